// Drives a running gateway with clients nobody here wrote: the official `openai` SDK and the Vercel AI SDK's
// default OpenAI provider (which calls /v1/responses). Starts nothing itself.
//
//   ROUTER_BASE_URL=http://127.0.0.1:4000 [ROUTER_MODEL=gpt-4o-mini] [ROUTER_API_KEY=...] node run.mjs
//
// Prints one line per check and, last, one JSON line with what the clients received; exits 1 on any failure.
import OpenAI, { NotFoundError } from "openai";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";

const base = process.env.ROUTER_BASE_URL;
if (!base) {
  console.error("Set ROUTER_BASE_URL to the gateway's base URL, e.g. http://127.0.0.1:4000");
  process.exit(2);
}
const model = process.env.ROUTER_MODEL || "gpt-4o-mini";
const apiKey = process.env.ROUTER_API_KEY || "sk-no-key-needed";
const baseURL = base.replace(/\/+$/, "") + "/v1";

const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const provider = createOpenAI({ baseURL, apiKey });
const seen = {};
let failures = 0;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function step(name, fn) {
  try {
    seen[name] = await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}

await step("openai.chat.completions.create", async () => {
  const r = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Say hello" }] });
  const text = r.choices[0].message.content;
  check(typeof text === "string" && text.length > 0, "empty completion");
  check(r.usage && r.usage.total_tokens > 0, "no usage");
  return text;
});

await step("openai.chat.completions.create(stream)", async () => {
  const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "Say hello" }] });
  let text = "";
  for await (const chunk of stream) {
    // Without stream_options.include_usage a client gets no usage chunk and no usage member.
    check(!("usage" in chunk), `a chunk carries usage the client did not ask for: ${JSON.stringify(chunk)}`);
    check(chunk.choices.length === 1, `a chunk without a choice: ${JSON.stringify(chunk)}`);
    text += chunk.choices[0].delta?.content ?? "";
  }
  check(text.length > 0, "empty stream");
  return text;
});

await step("openai.responses.create", async () => {
  const r = await client.responses.create({ model, input: "Say hello" });
  check(r.object === "response", `object is ${r.object}`);
  check(r.output_text.length > 0, "empty output_text");
  check(r.usage.output_tokens > 0, "no usage");
  return r.output_text;
});

await step("openai.responses.create(stream)", async () => {
  const stream = await client.responses.create({ model, input: "Say hello", stream: true });
  let text = "";
  const types = [];
  let usage;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "response.output_text.delta") text += event.delta;
    if (event.type === "response.completed") usage = event.response.usage;
  }
  check(types[0] === "response.created", `first event ${types[0]}`);
  check(types.at(-1) === "response.completed", `last event ${types.at(-1)}`);
  check(usage && usage.output_tokens > 0, "response.completed has no usage");
  check(text.length > 0, "no text deltas");
  return text;
});

await step("openai.models.retrieve", async () => {
  const m = await client.models.retrieve(model);
  check(m.id === model && m.object === "model", JSON.stringify(m));
  const list = await client.models.list();
  check(list.data.some((x) => x.id === model), "models.list does not list the model");
  try {
    await client.models.retrieve("no-such-model-here");
    throw new Error("an unknown model was found");
  } catch (e) {
    check(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    check(e.status === 404 && typeof e.error?.message === "string", `not an OpenAI-shaped 404: ${JSON.stringify(e.error)}`);
  }
  return m.id;
});

await step("ai.generateText(openai(model))", async () => {
  const r = await generateText({ model: provider(model), prompt: "Say hello", maxRetries: 0 });
  check(r.text.length > 0, "empty text");
  check(r.usage.outputTokens > 0, `no usage: ${JSON.stringify(r.usage)}`);
  return r.text;
});

await step("ai.streamText(openai(model))", async () => {
  let error;
  const r = streamText({ model: provider(model), prompt: "Say hello", maxRetries: 0, onError: ({ error: e }) => { error = e; } });
  let text = "";
  for await (const delta of r.textStream) text += delta;
  if (error) throw error;
  const usage = await r.usage;
  check(text.length > 0, "empty stream");
  check(usage.outputTokens > 0, `no usage: ${JSON.stringify(usage)}`);
  return text;
});

console.log(JSON.stringify(seen));
if (failures > 0) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
