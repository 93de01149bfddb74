//! `line-echo` service: the smallest service that owns the process's stdin and
//! stdout (`stdio: process` in the manifest). Its `run` reads stdin through a WASI
//! 0.3 stream and writes `echo: <line>` for every line, so `printf 'a\nb\n' |
//! outrigger run echo.yaml` prints `echo: a` and `echo: b` on stdout and nothing
//! else. At end of input `run` returns `Ok`: the service is COMPLETED and
//! `outrigger run` exits.
use wasip3::wit_stream;

struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        let (mut input, input_done) = wasip3::cli::stdin::read_via_stream();
        let (mut output, output_rx) = wit_stream::new();
        let output_done = wasip3::cli::stdout::write_via_stream(output_rx);
        let echo = async move {
            let mut pending = Vec::new();
            loop {
                let (status, chunk) = input.read(Vec::with_capacity(4096)).await;
                if status == wit_bindgen::StreamResult::Dropped {
                    break; // the host closed stdin: end of input
                }
                pending.extend_from_slice(&chunk);
                while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let mut out = b"echo: ".to_vec();
                    out.extend_from_slice(&line);
                    if !output.write_all(out).await.is_empty() {
                        return Err(()); // stdout went away
                    }
                }
            }
            if !pending.is_empty() {
                let mut out = b"echo: ".to_vec();
                out.extend_from_slice(&pending);
                out.push(b'\n');
                output.write_all(out).await;
            }
            drop(output); // end of our stdout stream
            Ok(())
        };
        let (echoed, written, read) = futures::join!(echo, async { output_done.await }, async { input_done.await });
        echoed?;
        written.map_err(|_| ())?;
        read.map_err(|_| ())
    }
}

wasip3::cli::command::export!(Run);
