//! `genesys-chat-emulator`: the Genesys Cloud Chat emulator as a process.
//!
//! ```text
//! cargo run -p genesys-chat-testkit --bin genesys-chat-emulator -- --port 8080
//! ```
//!
//! Prints its base URL, a ready access token with every permission, the OAuth client id
//! and secret its token endpoint accepts and its public (PKCE) client id, then serves on
//! 127.0.0.1 until killed.

use std::process::ExitCode;
use std::sync::Arc;

use genesys_chat_testkit::{Emulator, server::Server};

const USAGE: &str = "\
usage: genesys-chat-emulator [--port PORT]

Serves an in-memory Genesys Cloud Chat service on http://127.0.0.1:PORT
(API and OAuth token endpoint on the same base URL) until killed.

options:
  --port PORT   the port to listen on; 0 (the default) picks a free one
  -h, --help    this help
";

fn parse_port(args: &[String]) -> Result<Option<u16>, String> {
    let mut port = 0u16;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" | "-p" => {
                let value = args.get(i + 1).ok_or("--port needs a value")?;
                port = value
                    .parse()
                    .map_err(|_| format!("--port: `{value}` is not a port number (0 to 65535)"))?;
                i += 2;
            }
            other => match other.strip_prefix("--port=") {
                Some(value) => {
                    port = value.parse().map_err(|_| {
                        format!("--port: `{value}` is not a port number (0 to 65535)")
                    })?;
                    i += 1;
                }
                None => return Err(format!("unknown argument `{other}`")),
            },
        }
    }
    Ok(Some(port))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match parse_port(&args) {
        Ok(Some(port)) => port,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("genesys-chat-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emulator = Arc::new(Emulator::new());
    let server = match Server::start_on(emulator, ([127, 0, 0, 1], port).into()) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("genesys-chat-emulator: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = server.base_url();
    println!("Genesys Cloud Chat emulator");
    println!("base URL:      {base}");
    println!(
        "access token:  {}  (user alice, every permission)",
        Emulator::DEFAULT_TOKEN
    );
    println!("client id:     {}", Emulator::DEFAULT_CLIENT_ID);
    println!("client secret: {}", Emulator::DEFAULT_CLIENT_SECRET);
    println!(
        "public client: {}  (PKCE, no secret)",
        Emulator::DEFAULT_PUBLIC_CLIENT_ID
    );
    println!("users:         {base}/__emulator/users");
    println!("admin:         {base}/__emulator/ (faults, counters, reset, rate-limit, tokens)");
    println!("Serving until killed (Ctrl-C).");
    // Serve until the process is killed; the server runs on its own threads.
    loop {
        std::thread::park();
    }
}
