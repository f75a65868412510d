//! `cos-emulator`: runs a local COS-compatible server until SIGINT or SIGTERM.
//!
//! ```text
//! cos-emulator --listen 127.0.0.1:9000 --secret-id ID --secret-key KEY
//!              [--session-token TOKEN] [--data-dir DIR] [--region ap-guangzhou]
//!              [--appid 1250000000] [--allow-anonymous]
//! ```
//!
//! The first line printed is the address it listens on (`http://127.0.0.1:9000`).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use cos_emulator::{Config, Credentials, Emulator};

const USAGE: &str = "usage: cos-emulator [--listen ADDR] --secret-id ID --secret-key KEY \
[--session-token TOKEN] [--data-dir DIR] [--region REGION] [--appid APPID] [--allow-anonymous]

  --listen ADDR        address to listen on (default 127.0.0.1:9000; port 0 picks a free one)
  --secret-id ID       SecretId requests must be signed with
  --secret-key KEY     its SecretKey
  --session-token TOK  also accept ID/KEY only with this STS token (x-cos-security-token)
  --data-dir DIR       keep data in files under DIR (default: in memory)
  --region REGION      region reported for buckets (default ap-guangzhou)
  --appid APPID        account APPID, the -<appid> suffix of bucket names (default 1250000000)
  --allow-anonymous    let unsigned requests through

Prints the listening address as its first line; stops on SIGINT or SIGTERM.";

struct Args {
    listen: SocketAddr,
    secret_id: String,
    secret_key: String,
    session_token: Option<String>,
    data_dir: Option<String>,
    region: Option<String>,
    appid: Option<String>,
    allow_anonymous: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut listen = None;
    let mut secret_id = None;
    let mut secret_key = None;
    let mut session_token = None;
    let mut data_dir = None;
    let mut region = None;
    let mut appid = None;
    let mut allow_anonymous = false;
    while let Some(flag) = args.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (flag.clone(), None),
        };
        if name == "--allow-anonymous" {
            allow_anonymous = true;
            continue;
        }
        if name == "--help" || name == "-h" {
            return Err(String::new());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--listen" => {
                let text = value()?;
                listen = Some(
                    text.parse::<SocketAddr>()
                        .map_err(|e| format!("--listen {text:?}: {e}"))?,
                );
            }
            "--secret-id" => secret_id = Some(value()?),
            "--secret-key" => secret_key = Some(value()?),
            "--session-token" => session_token = Some(value()?),
            "--data-dir" => data_dir = Some(value()?),
            "--region" => region = Some(value()?),
            "--appid" => appid = Some(value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        listen: listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 9000))),
        secret_id: secret_id.ok_or("--secret-id is required")?,
        secret_key: secret_key.ok_or("--secret-key is required")?,
        session_token,
        data_dir,
        region,
        appid,
        allow_anonymous,
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("cos-emulator: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cos-emulator: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let mut credential = Credentials::new(&args.secret_id, &args.secret_key);
    if let Some(token) = args.session_token {
        credential = credential.with_session_token(token);
    }
    let mut config = Config::with_credential(credential);
    config = config
        .listen(args.listen)
        .allow_anonymous(args.allow_anonymous);
    if let Some(dir) = args.data_dir {
        config = config.data_dir(dir);
    }
    if let Some(region) = args.region {
        config = config.region(region);
    }
    if let Some(appid) = args.appid {
        config = config.appid(appid);
    }
    let signals = StopSignals::install();
    let emulator = match Emulator::start(config).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("cos-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", emulator.endpoint());
    let _ = std::io::stdout().flush();
    signals.wait().await;
    eprintln!("cos-emulator: stopping");
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, listened for from creation on: installed before the address is
/// printed, so a supervisor that signals right after reading it is heard.
struct StopSignals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn install() -> Self {
        StopSignals {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .ok(),
        }
    }

    async fn wait(mut self) {
        let interrupt = tokio::signal::ctrl_c();
        #[cfg(unix)]
        if let Some(terminate) = self.terminate.as_mut() {
            tokio::select! {
                _ = interrupt => {}
                _ = terminate.recv() => {}
            }
            return;
        }
        let _ = interrupt.await;
    }
}
