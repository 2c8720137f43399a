// An independent MCP client on the official TypeScript SDK: plays one debugbox episode on
// binary_search_off_by_one and prints a final JSON line {"score", "resolved", ...}.
//
//   node ts_sdk_client.mjs --url http://127.0.0.1:8000/mcp        (Streamable HTTP)
//   node ts_sdk_client.mjs -- python -m cli serve                 (stdio: spawns the command)
//
// Any error (connection, tool error, unexpected result) exits non-zero.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const TASK = "binary_search_off_by_one";
const TOOLS = ["list_tasks", "start_task", "view_code", "replace_lines", "run_tests", "run_python", "undo", "reset_code", "submit"];

function transportFromArgv(argv) {
  if (argv[0] === "--url" && argv[1]) return new StreamableHTTPClientTransport(new URL(argv[1]));
  const command = argv[0] === "--" ? argv.slice(1) : argv;
  if (command.length === 0) throw new Error("usage: ts_sdk_client.mjs --url URL | -- COMMAND ARGS...");
  // The SDK passes only a minimal environment by default; the server needs ours (PATH, DOCKER_HOST, ...).
  return new StdioClientTransport({ command: command[0], args: command.slice(1), env: process.env, stderr: "inherit" });
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function call(client, name, args) {
  // The SDK validates structuredContent against the tool's outputSchema before returning it.
  const result = await client.callTool({ name, arguments: args });
  const text = result.content.filter((block) => block.type === "text").map((block) => block.text).join("\n");
  check(!result.isError, `${name} returned a tool error: ${text}`);
  check(result.structuredContent && text, `${name} returned no structuredContent or no text`);
  console.error(`--- ${name}: ${text.split("\n")[0]}`);
  return { data: result.structuredContent, text };
}

async function main() {
  const client = new Client({ name: "debugbox-ts-sdk-test", version: "0.0.0" });
  await client.connect(transportFromArgv(process.argv.slice(2)));
  try {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    check(TOOLS.every((name) => names.includes(name)), `missing tools: got ${names.join(", ")}`);

    const start = await call(client, "start_task", { task_id: TASK });
    const episode = start.data.episode_id;
    check(start.text.includes(episode), "start_task text does not name the episode_id");

    // Find the buggy line in the numbered code ("N|text") that view_code returns.
    const mainFile = start.data.files.find((file) => file.path === start.data.main_file);
    const view = await call(client, "view_code", { episode_id: episode, start_line: 1, end_line: mainFile.lines });
    const row = view.data.code.split("\n").find((r) => r.endsWith("|    while lo < hi:"));
    check(row, "view_code did not show the `while lo < hi:` line");
    const line = Number(row.split("|")[0]);

    const before = await call(client, "run_tests", { episode_id: episode });
    check(before.data.passed < before.data.total && before.text.startsWith("Tests Passed:"), "the buggy code should fail a test");
    const edit = await call(client, "replace_lines", { episode_id: episode, start_line: line, end_line: line, new_code: "    while lo <= hi:" });
    check(edit.data.syntax_ok && edit.text.includes("+    while lo <= hi:"), "replace_lines did not apply the fix");
    const after = await call(client, "run_tests", { episode_id: episode });
    check(after.data.passed === after.data.total, `tests still fail: ${after.data.summary}`);

    const state = JSON.parse((await client.readResource({ uri: `episodes://${episode}` })).contents[0].text);
    check(state.step === after.data.step && !state.done, "episodes:// resource disagrees with the tool results");

    const status = JSON.parse((await client.readResource({ uri: "debugbox://status" })).contents[0].text);

    const final = await call(client, "submit", { episode_id: episode });
    const { score, resolved, step } = final.data;
    // instance: the server's Docker label, so a test can check its containers are gone afterwards.
    console.log(JSON.stringify({ score, resolved, steps: step, backend: start.data.sandbox.backend, instance: status.sandbox.instance ?? null }));
    return final.data.resolved ? 0 : 1;
  } finally {
    await client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`ts_sdk_client failed: ${error?.stack ?? error}`);
    process.exit(2);
  },
);
