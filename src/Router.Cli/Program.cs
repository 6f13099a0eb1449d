using Router.Cli;

// Ctrl-C stops the running command (e.g. `cluster tail`) instead of killing the process; at the
// interactive prompt, with nothing running, it ends the process as usual.
var interrupts = new InterruptSource();
Console.CancelKeyPress += (_, e) => e.Cancel = interrupts.Interrupt();

return await RouterCtl.RunAsync(args, Console.In, Console.Out, Console.Error, handler: null, interrupts);
