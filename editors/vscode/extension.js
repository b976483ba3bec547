// The dpl extension: the grammar and language configuration are declared in package.json;
// this file starts `dpl lsp` over stdio for diagnostics, hover, definitions, completion and
// formatting, and restarts it on request or when `dpl.path` changes.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function start() {
  const command = vscode.workspace.getConfiguration("dpl").get("path") || "dpl";
  const run = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "dpl",
    "dpl language server",
    { run, debug: run },
    {
      documentSelector: [{ scheme: "file", language: "dpl" }, { scheme: "untitled", language: "dpl" }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.dpl") },
    }
  );
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `dpl: could not start '${command} lsp' (${error.message}); set dpl.path to the dpl executable.`
    );
  });
}

async function restart() {
  if (client) {
    await client.stop();
  }
  await start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("dpl.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("dpl.path")) {
        restart();
      }
    })
  );
  return start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
