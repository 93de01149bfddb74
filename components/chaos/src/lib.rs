//! `chaos`: a reactive component that misbehaves on request, so tests can prove the
//! host's limits: per-call time limit (`spin`), memory limit (`allocate`), traps
//! (`trap`) and deny-by-default sockets (`connect`).
wit_bindgen::generate!({
    path: "../../wit/examples",
    world: "chaos-component",
});

use std::io::Write;

struct Chaos;

impl exports::outrigger::examples::chaos::Guest for Chaos {
    fn spin() {
        let mut x: u64 = 0;
        loop {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }
    fn allocate(mib: u32) -> u64 {
        let mut held: Vec<Vec<u8>> = Vec::new();
        for _ in 0..mib {
            held.push(vec![1u8; 1 << 20]);
        }
        held.iter().map(|v| v.len() as u64).sum()
    }
    fn trap() {
        panic!("chaos: trapping on request");
    }
    fn connect(addr: String) -> Result<String, String> {
        let addr: std::net::SocketAddr = addr.parse().map_err(|e| format!("bad address {addr:?}: {e}"))?;
        let mut stream = std::net::TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
        stream.write_all(b"hello\n").map_err(|e| format!("write: {e}"))?;
        Ok(stream.local_addr().map(|a| a.to_string()).unwrap_or_default())
    }
}

export!(Chaos);
