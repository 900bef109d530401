//! Many clients at once: thousands of concurrent connections each get every reply right,
//! and commands on shared keys from several threads are atomic (no INCR lost or applied twice,
//! no APPEND lost, no MSET seen half-applied by MGET).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use store::Mode;
use tandem_suite::{server_test, Frame, RawConn, TestServer};

/// Worker threads that own the sockets of the many-clients test (each owns
/// `clients / WORKERS` of them), so the test's own thread count stays bounded.
const WORKERS: usize = 50;
/// Requests per client in the many-clients test: each round is INCR + SET + GET.
const ROUNDS: usize = 3;

/// The many-clients test holds thousands of descriptors and threads: its four
/// combinations run one at a time.
static MANY_CLIENTS: Mutex<()> = Mutex::new(());

/// Raises this process's soft descriptor limit to the hard limit (CI often starts at a
/// soft 1024) and returns the soft limit now in force.
fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by reference.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur
}

/// Descriptors this process has open now.
fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64).unwrap_or(256)
}

/// How many clients the many-clients test can open: `wanted`, or fewer (with a note on
/// stderr) when the descriptor limit cannot hold them. Each client costs one descriptor
/// here and one or more in the in-process server (the threaded server keeps two clones of
/// each socket, for shutdown and CLIENT KILL).
fn affordable_clients(srv: &TestServer, wanted: usize) -> usize {
    let per_client = match srv.mode {
        Mode::EventLoop => 3,
        Mode::Threaded => 4,
    };
    let free = raise_fd_limit().saturating_sub(open_fds() + 256);
    let affordable = (free / per_client) as usize;
    if affordable < wanted {
        eprintln!(
            "descriptor limit too low for {wanted} clients ({free} free): testing {} clients instead",
            affordable.max(WORKERS)
        );
        return affordable.max(WORKERS);
    }
    wanted
}

/// One round for every connection of a worker: all requests are written first, then
/// every reply is read and checked. Returns the values INCR replied.
fn run_round(conns: &mut [RawConn], worker: usize, round: usize) -> Vec<i64> {
    for (i, conn) in conns.iter_mut().enumerate() {
        let key = format!("client:{worker}:{i}");
        let value = format!("round-{round}-{key}");
        let mut request = b"*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n".to_vec();
        request.extend_from_slice(format!("SET {key} {value}\r\nGET {key}\r\n").as_bytes());
        conn.send(&request);
    }
    let mut incrs = Vec::with_capacity(conns.len());
    for (i, conn) in conns.iter_mut().enumerate() {
        let key = format!("client:{worker}:{i}");
        match conn.read_frame() {
            Frame::Integer(n) => incrs.push(n),
            other => panic!("INCR from {key}: {other:?}"),
        }
        assert_eq!(conn.read_frame(), Frame::ok(), "SET from {key}");
        assert_eq!(conn.read_frame(), Frame::bulk(format!("round-{round}-{key}")), "GET from {key}");
    }
    incrs
}

server_test!(thousands_of_concurrent_clients_are_all_served, |srv| {
    let _one_at_a_time = MANY_CLIENTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // The event loop is built for many connections; the threaded server spends a thread on each.
    let wanted = match srv.mode {
        Mode::EventLoop => 5000,
        Mode::Threaded => 1000,
    };
    let per_worker = affordable_clients(srv, wanted) / WORKERS;
    let clients = per_worker * WORKERS;
    let addr = srv.addr;

    // Round 0: every worker connects all its clients and runs one round; the connections
    // come back open, so all of them are connected at once below.
    let mut incrs = Vec::new();
    let mut workers: Vec<Vec<RawConn>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                s.spawn(move || {
                    // One connection at a time per worker, each confirmed by a PING: at most
                    // WORKERS connections wait in the listen backlog, which a burst of
                    // thousands would overflow (dropped SYNs cost seconds of retransmission).
                    let mut conns: Vec<RawConn> = (0..per_worker)
                        .map(|_| {
                            let mut conn = RawConn::connect(addr);
                            assert_eq!(conn.cmd(&["PING"]), Frame::simple("PONG"));
                            conn
                        })
                        .collect();
                    let incrs = run_round(&mut conns, w, 0);
                    (conns, incrs)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let (conns, i) = h.join().expect("worker panicked");
                incrs.extend(i);
                conns
            })
            .collect()
    });

    let mut observer = srv.raw();
    let Frame::Bulk(list) = observer.cmd(&["CLIENT", "LIST"]) else { panic!("CLIENT LIST must be a bulk string") };
    let connected = list.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
    assert_eq!(connected, clients + 1, "all clients and the observer are connected at once");

    std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .iter_mut()
            .enumerate()
            .map(|(w, conns)| {
                s.spawn(move || (1..ROUNDS).flat_map(|round| run_round(conns, w, round)).collect::<Vec<_>>())
            })
            .collect();
        for h in handles {
            incrs.extend(h.join().expect("worker panicked"));
        }
    });

    // Every INCR got a distinct value, and together they count every INCR.
    let total = (clients * ROUNDS) as i64;
    let mut seen = HashSet::new();
    let duplicated: Vec<i64> = incrs.iter().copied().filter(|n| !seen.insert(*n)).collect();
    let missing: Vec<i64> = (1..=total).filter(|n| !seen.contains(n)).collect();
    let beyond: Vec<i64> = seen.iter().copied().filter(|n| !(1..=total).contains(n)).collect();
    assert!(
        duplicated.is_empty() && missing.is_empty() && beyond.is_empty(),
        "{total} INCRs: values replied twice {duplicated:?}, never replied {missing:?}, out of range {beyond:?}; \
         counter is now {:?}",
        observer.cmd(&["GET", "counter"])
    );
    assert_eq!(observer.cmd(&["GET", "counter"]), Frame::bulk(total.to_string()));
    assert_eq!(observer.cmd(&["DBSIZE"]), Frame::Integer(clients as i64 + 1));
    drop(workers);
    assert_eq!(observer.cmd(&["PING"]), Frame::simple("PONG"));
});

server_test!(concurrent_writers_never_lose_updates_or_show_half_an_mset, |srv| {
    const WRITERS: usize = 4;
    const READERS: usize = 4;
    const ITERATIONS: usize = 300;
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                let mut con = srv.client();
                let done = &done;
                s.spawn(move || {
                    let mut reads = 0;
                    loop {
                        // Read after seeing `done`, so at least one read follows every write.
                        let last = done.load(Ordering::SeqCst);
                        let values: Vec<Option<String>> =
                            redis::cmd("MGET").arg("pair:1").arg("pair:2").arg("pair:3").query(&mut con).unwrap();
                        assert!(values.iter().all(|v| v == &values[0]), "MGET saw a half-applied MSET: {values:?}");
                        reads += 1;
                        if last {
                            return reads;
                        }
                    }
                })
            })
            .collect();
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let mut con = srv.client();
                s.spawn(move || {
                    for i in 0..ITERATIONS {
                        // Values of different lengths, so a torn write shows.
                        let value = format!("{w}:{i}:{}", "x".repeat((w * 7 + i) % 50));
                        let _: () = redis::cmd("MSET")
                            .arg("pair:1")
                            .arg(&value)
                            .arg("pair:2")
                            .arg(&value)
                            .arg("pair:3")
                            .arg(&value)
                            .query(&mut con)
                            .unwrap();
                        let _: i64 = redis::cmd("INCR").arg("counter").query(&mut con).unwrap();
                        let _: i64 = redis::cmd("INCRBY").arg("counter:by").arg(w as i64 + 1).query(&mut con).unwrap();
                        let _: i64 = redis::cmd("APPEND").arg("log").arg(w.to_string()).query(&mut con).unwrap();
                    }
                })
            })
            .collect();
        // Stop the readers even if a writer failed, then report.
        let written: Vec<_> = writers.into_iter().map(|w| w.join()).collect();
        done.store(true, Ordering::SeqCst);
        for w in written {
            w.expect("writer panicked");
        }
        for r in readers {
            assert!(r.join().expect("reader panicked") >= 1);
        }
    });
    let mut con = srv.client();
    assert_eq!(redis::cmd("GET").arg("counter").query::<usize>(&mut con).unwrap(), WRITERS * ITERATIONS);
    let by: usize = (1..=WRITERS).sum::<usize>() * ITERATIONS;
    assert_eq!(redis::cmd("GET").arg("counter:by").query::<usize>(&mut con).unwrap(), by);
    let log: String = redis::cmd("GET").arg("log").query(&mut con).unwrap();
    assert_eq!(log.len(), WRITERS * ITERATIONS);
    for w in 0..WRITERS {
        let c = char::from(b'0' + w as u8);
        assert_eq!(log.chars().filter(|&x| x == c).count(), ITERATIONS, "appends of writer {w}");
    }
    let last: Vec<String> = redis::cmd("MGET").arg("pair:1").arg("pair:2").arg("pair:3").query(&mut con).unwrap();
    assert!(last.iter().all(|v| v == &last[0]), "{last:?}");
    let distinct: HashSet<&String> = last.iter().collect();
    assert_eq!(distinct.len(), 1);
});

server_test!(concurrent_first_writes_to_new_keys_apply_exactly_once, |srv| {
    // Several clients INCR the same fresh keys at the same moment, so the creation of each
    // key races with the next INCRs of it.
    const CLIENTS: usize = 32;
    const KEYS: usize = 2000;
    let mut request = Vec::new();
    for k in 0..KEYS {
        request.extend_from_slice(format!("INCR fresh:{k}\r\n").as_bytes());
    }
    let start = std::sync::Barrier::new(CLIENTS);
    let replies: Vec<Vec<i64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let mut conn = srv.raw();
                let (start, request) = (&start, &request);
                s.spawn(move || {
                    start.wait();
                    conn.send(request);
                    (0..KEYS)
                        .map(|k| match conn.read_frame() {
                            Frame::Integer(n) => n,
                            other => panic!("INCR fresh:{k}: {other:?}"),
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("client panicked")).collect()
    });
    // Each key's INCRs replied 1..=CLIENTS in some order: none lost, none applied twice.
    let mut wrong = Vec::new();
    for k in 0..KEYS {
        let mut values: Vec<i64> = replies.iter().map(|r| r[k]).collect();
        values.sort_unstable();
        if values != (1..=CLIENTS as i64).collect::<Vec<_>>() {
            wrong.push((k, values));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {KEYS} keys got INCR replies other than 1..={CLIENTS}, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(3)]
    );
});
