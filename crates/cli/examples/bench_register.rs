//! The register's throughput and the query's latency.
//!
//! 1. Ingestion: N records in bundles of 1,000, each verified against the scheme's trust list
//!    (`verify_bundle`) and stored with a signed receipt (`Register::ingest`), as
//!    `POST /api/v1/register/bundles` does, by as many workers as the route checks bundles at
//!    once (`BUNDLE_PERMITS`); prints records/s and where the time went.
//! 2. Optionally (`--fill M`, PostgreSQL only), the register is first filled to M records
//!    server-side (`INSERT … SELECT … FROM generate_series`, bodies made from a real stored
//!    record with its number, name and id replaced), its secondary indexes dropped during the
//!    fill and made again after (exactly as the schema defines them, read from the catalogue).
//! 3. The query (`Register::query`, number + name) in an open loop: `--rate` queries/s sent on
//!    a fixed schedule for `--seconds` (after one second of warm-up not counted) by
//!    `--clients` threads, each latency measured from its due time, over every record held;
//!    prints p50/p99/max and how many started late.
//!
//! `cargo run --release --example bench_register -- [N] [URL] [--workers W] [--fill M]
//! [--rate R] [--seconds S] [--clients C] [--dir D]` (default N 100000, SQLite in a temp dir;
//! with a URL, that PostgreSQL database; a database filled by an earlier run is used again
//! when `--dir` names the portal data dir of that run, which holds the register's secret).
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark tool: a failed unwrap is a failed run"
)]

use skillcert::authority::{Authority, Grant};
use skillcert::issuer::{now_secs, Issuer};
use skillcert::keys::{IdKey, SecretKey};
use skillcert::reporting::{sign_bundle, verify_bundle, Item, ReportedCertificate, StatusEntry};
use skillcert::signer::KeySigner;
use skillcert::trust::{TrustSource, TrustStore};
use skillcert_store::register::{Register, StoredItem};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The command line.
struct Opts {
    n: usize,
    url: Option<String>,
    workers: usize,
    fill: usize,
    rate: f64,
    seconds: f64,
    clients: usize,
    /// The portal's data dir (its register secret), kept between runs on one database.
    dir: Option<std::path::PathBuf>,
}

fn opts() -> Opts {
    let mut o = Opts {
        n: 100_000,
        url: None,
        workers: skillcert_server::portal::BUNDLE_PERMITS,
        fill: 0,
        rate: 2000.0,
        seconds: 10.0,
        clients: 16,
        dir: None,
    };
    let mut args = std::env::args().skip(1);
    let mut positional = 0;
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--workers" => o.workers = value().parse().unwrap(),
            "--fill" => o.fill = value().parse().unwrap(),
            "--rate" => o.rate = value().parse().unwrap(),
            "--seconds" => o.seconds = value().parse().unwrap(),
            "--clients" => o.clients = value().parse().unwrap(),
            "--dir" => o.dir = Some(value().into()),
            _ if positional == 0 => (o.n, positional) = (a.parse().unwrap(), 1),
            _ if positional == 1 => (o.url, positional) = (Some(a), 2),
            _ => panic!("unknown argument {a}"),
        }
    }
    o
}

/// The scheme: an issuer accredited by an authority, and the portal's trust in it.
struct Scheme {
    issuer: Issuer,
    trust: TrustStore,
    /// Unique per run: the numbers are `SC-<run>-…` (the issuer's own space).
    run: String,
}

fn scheme(dir: &std::path::Path) -> Scheme {
    let issuer = Issuer::init(
        &dir.join("i"),
        "Bench Centre",
        Some("https://bench.example.cn"),
    )
    .unwrap();
    let mut a = Authority::init(&dir.join("a"), "HRSS", None, "bench").unwrap();
    let grant = Grant {
        from: Some(now_secs() - chrono::Duration::days(1)),
        ..Grant::default()
    };
    a.accredit(&issuer.trust_list(), &grant, "bench").unwrap();
    let bytes = serde_json::to_vec(&a.publish(now_secs(), 7, "bench").unwrap()).unwrap();
    let trust: TrustStore = TrustSource::anchored(&bytes, &a.anchor(), "bench")
        .unwrap()
        .into();
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_ascii_uppercase();
    Scheme { issuer, trust, run }
}

/// Record `i` of the ingested ones (the filled ones: `F<i>`).
fn number(s: &Scheme, i: &str) -> String {
    format!("SC-{}-{i}", s.run)
}

fn record(s: &Scheme, i: usize) -> Item {
    let key = s.issuer.config().active_key.clone();
    Item::Certificate(Box::new(ReportedCertificate {
        credential_id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        number: Some(number(s, &format!("{i:08}"))),
        holder_name: format!("持证人{i}"),
        holder_id: Some(format!("E{i:09}")),
        holder_id_nonce: Some(hex::encode([i as u8; 16])),
        holder_id_mac: None,
        holder_id_hash: None,
        program: "数控铣工 CNC Milling Operator".into(),
        program_code: Some("6-18-01-01".into()),
        framework: "cn-nvq".into(),
        level: "3".into(),
        issued: now_secs(),
        valid_from: now_secs(),
        valid_until: Some(now_secs() + chrono::Duration::days(1826)),
        signing_key: key,
        document_sha256: hex::encode([7u8; 32]),
        status: vec![StatusEntry {
            purpose: "revocation".into(),
            list: "https://bench.example.cn/status/1".into(),
            index: i as u64,
        }],
    }))
}

/// Signed bundles of 1,000 records (the last one shorter).
fn bundles(s: &Scheme, n: usize) -> Vec<Vec<u8>> {
    let t = Instant::now();
    let out: Vec<Vec<u8>> = (0..n.div_ceil(1000))
        .map(|b| {
            let items: Vec<Item> = (b * 1000..((b + 1) * 1000).min(n))
                .map(|i| record(s, i))
                .collect();
            let id = s.issuer.config().id.clone();
            serde_json::to_vec(&sign_bundle(&s.issuer, &id, &items, now_secs()).unwrap()).unwrap()
        })
        .collect();
    eprintln!(
        "made {} bundles in {:.1} s",
        out.len(),
        t.elapsed().as_secs_f64()
    );
    out
}

/// Ingests every bundle with `workers` threads; prints records/s and the time spent verifying
/// and storing (summed over the workers).
fn ingest(o: &Opts, s: &Scheme, reg: &Register, bundles: &[Vec<u8>]) {
    let pk = SecretKey::generate();
    let vm = skillcert::keys::did_key_vm(&pk.public());
    let portal = KeySigner::new(&pk, &vm);
    let next = AtomicUsize::new(0);
    let spent = Mutex::new((Duration::ZERO, Duration::ZERO));
    let t = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..o.workers {
            scope.spawn(|| {
                let (mut verify, mut store) = (Duration::ZERO, Duration::ZERO);
                while let Some(b) = bundles.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let t = Instant::now();
                    let v = verify_bundle(b, &s.trust, now_secs()).unwrap();
                    verify += t.elapsed();
                    let t = Instant::now();
                    reg.ingest(&v, &portal, now_secs()).unwrap();
                    store += t.elapsed();
                }
                let mut g = spent.lock().unwrap();
                g.0 += verify;
                g.1 += store;
            });
        }
    });
    let secs = t.elapsed().as_secs_f64();
    let (verify, store) = *spent.lock().unwrap();
    println!(
        "ingestion ({}, {} worker(s)): {} records in {secs:.1} s = {:.0} records/s \
         (per bundle of 1,000: verify_bundle {:.1} ms, Register::ingest {:.1} ms)",
        reg.backend(),
        o.workers,
        o.n,
        o.n as f64 / secs,
        verify.as_secs_f64() * 1e3 / bundles.len() as f64,
        store.as_secs_f64() * 1e3 / bundles.len() as f64,
    );
}

/// The body the register stores for a record, with `@C@`, `@N@` and `@H@` where the filled
/// rows put their own credential, number and holder name.
fn template(s: &Scheme) -> String {
    let Item::Certificate(mut r) = record(s, 0) else {
        unreachable!()
    };
    r.credential_id = format!("urn:uuid:{}", uuid::Uuid::nil());
    let key = IdKey::generate();
    let mut item = StoredItem::of("", &Item::Certificate(r), &key);
    if let Ok(Item::Certificate(mut r)) = serde_json::from_str::<Item>(&item.body) {
        r.credential_id = "@C@".into();
        r.number = Some("@N@".into());
        r.holder_name = "@H@".into();
        item.body = serde_json::to_string(&Item::Certificate(r)).unwrap();
    }
    item.body
}

/// Filling a PostgreSQL register server-side.
mod fill {
    use postgres::{Client, NoTls};

    /// Rows per statement (each its own transaction: progress is visible, WAL stays small).
    const CHUNK: usize = 1_000_000;

    /// The register's secondary indexes and unique constraints on `register_items` (the
    /// primary key stays): (name, definition, whether a constraint).
    fn secondary(c: &mut Client) -> Vec<(String, String, bool)> {
        let constraints = c
            .query(
                "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE conrelid = 'register_items'::regclass AND contype = 'u'",
                &[],
            )
            .unwrap();
        let indexes = c
            .query(
                "SELECT indexname::text, indexdef FROM pg_indexes
                 WHERE tablename = 'register_items' AND indexname NOT IN
                   (SELECT conname FROM pg_constraint WHERE conrelid = 'register_items'::regclass)",
                &[],
            )
            .unwrap();
        let row = |r: &postgres::Row, con| (r.get(0), r.get(1), con);
        let mut out: Vec<_> = constraints.iter().map(|r| row(r, true)).collect();
        out.extend(indexes.iter().map(|r| row(r, false)));
        out
    }

    /// Adds `m` certificate records of issuer `issuer` (numbers `SC-FILL-<k>`, names
    /// `持证人F<k>`, bodies from `template`) and their numbers, in the register's tables,
    /// unless a run before did (the issuer's DID and number space are the same every run).
    pub(crate) fn fill(url: &str, issuer: &str, template: &str, m: usize) {
        let mut c = Client::connect(url, NoTls).unwrap();
        let last = format!("SC-FILL-{:08}", m - 1);
        let done = c
            .query_opt(
                "SELECT 1 FROM register_numbers WHERE number = $1 AND issuer = $2",
                &[&last, &issuer],
            )
            .unwrap();
        if done.is_some() {
            println!("fill: the {m} records of an earlier run are there");
            return;
        }
        let t = std::time::Instant::now();
        let kept = secondary(&mut c);
        for (name, _, con) in &kept {
            c.batch_execute(&if *con {
                format!("ALTER TABLE register_items DROP CONSTRAINT {name}")
            } else {
                format!("DROP INDEX {name}")
            })
            .unwrap();
        }
        let rows = "SELECT k, 'urn:uuid:' || md5('fill' || k)::uuid::text AS c,
                'SC-FILL-' || lpad(k::text, 8, '0') AS n
            FROM generate_series($1::bigint, $2::bigint) AS k";
        let items = format!(
            "INSERT INTO register_items
                (issuer, item, digest, kind, credential, number, body, bundle, received_at)
             SELECT $3, 'certificate:' || c, encode(sha256(c::bytea), 'hex'), 'certificate',
                c, n, replace(replace(replace($4, '@C@', c), '@N@', n), '@H@', '持证人F' || k),
                'fill', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
             FROM ({rows}) AS r"
        );
        let numbers = format!(
            "INSERT INTO register_numbers (number, issuer, credential)
             SELECT n, $3, c FROM ({rows}) AS r"
        );
        for from in (0..m).step_by(CHUNK) {
            let to = (from + CHUNK).min(m) as i64 - 1;
            let from = from as i64;
            c.execute(&items, &[&from, &to, &issuer, &template])
                .unwrap();
            c.execute(&numbers, &[&from, &to, &issuer]).unwrap();
            eprintln!(
                "filled {} records in {:.0} s",
                to + 1,
                t.elapsed().as_secs_f64()
            );
        }
        let t2 = std::time::Instant::now();
        for (name, def, con) in &kept {
            c.batch_execute(&if *con {
                format!("ALTER TABLE register_items ADD CONSTRAINT {name} {def}")
            } else {
                def.clone()
            })
            .unwrap();
        }
        c.batch_execute("VACUUM ANALYZE register_items, register_numbers")
            .unwrap();
        println!(
            "fill: {m} records in {:.0} s (INSERT … SELECT FROM generate_series, {CHUNK} a \
             statement, secondary indexes dropped and made again in {:.0} s, VACUUM ANALYZE)",
            t.elapsed().as_secs_f64(),
            t2.elapsed().as_secs_f64()
        );
    }

    /// The database's size, and the query's plan for `number`.
    pub(crate) fn report_size(url: &str, number: &str) {
        let mut c = Client::connect(url, NoTls).unwrap();
        let r = c
            .query_one(
                "SELECT pg_size_pretty(pg_database_size(current_database())),
                    pg_size_pretty(pg_total_relation_size('register_items')),
                    pg_size_pretty(pg_indexes_size('register_items')),
                    (SELECT COUNT(*) FROM register_items)",
                &[],
            )
            .unwrap();
        let (db, items, idx, n): (String, String, String, i64) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        println!("size: {n} rows; database {db}; register_items {items} (of which indexes {idx})");
        let plan = c
            .query(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
                 SELECT seq, body FROM register_items WHERE number = $1
                 AND kind = 'certificate' AND credential = (SELECT n.credential FROM \
                 register_numbers n WHERE n.number = register_items.number AND \
                 n.issuer = register_items.issuer) ORDER BY seq DESC LIMIT 100",
                &[&number],
            )
            .unwrap();
        for l in plan {
            println!("  plan: {}", l.get::<_, String>(0));
        }
    }
}

fn main() {
    let o = opts();
    let dir = tempfile::tempdir().unwrap();
    let s = scheme(dir.path());
    let bundles = bundles(&s, o.n);
    let portal = o.dir.clone().unwrap_or_else(|| dir.path().join("p"));
    let reg = Register::open(&portal, o.url.as_deref()).unwrap();
    if o.fill > 0 {
        let url = o.url.as_deref().expect("--fill needs a PostgreSQL URL");
        fill::fill(url, &s.issuer.config().id, &template(&s), o.fill);
    }
    ingest(&o, &s, &reg, &bundles);
    if let Some(url) = o.url.as_deref() {
        fill::report_size(url, &number(&s, &format!("{:08}", o.n / 2)));
    }
    query(&o, &s, &reg);
}

/// The number and name of record `k` of all held (filled ones first).
fn pick(o: &Opts, s: &Scheme, k: usize) -> (String, String) {
    let k = k % (o.fill + o.n);
    if k < o.fill {
        (format!("SC-FILL-{k:08}"), format!("持证人F{k}"))
    } else {
        let i = k - o.fill;
        (number(s, &format!("{i:08}")), format!("持证人{i}"))
    }
}

/// The open loop: query `q` is due at `start + q / rate`; latency from the due time.
fn query(o: &Opts, s: &Scheme, reg: &Register) {
    let warm = o.rate as usize;
    let total = warm + (o.rate * o.seconds) as usize;
    let next = AtomicUsize::new(0);
    let lat = Mutex::new(Vec::with_capacity(total));
    let late = AtomicUsize::new(0);
    let start = Instant::now() + Duration::from_millis(50);
    let owns = |issuer: &str, number: &str| s.trust.owns_number(issuer, number, now_secs());
    std::thread::scope(|scope| {
        for _ in 0..o.clients {
            scope.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    let q = next.fetch_add(1, Ordering::Relaxed);
                    if q >= total {
                        break;
                    }
                    let due = start + Duration::from_secs_f64(q as f64 / o.rate);
                    match due.checked_duration_since(Instant::now()) {
                        Some(wait) => std::thread::sleep(wait),
                        None => _ = late.fetch_add(1, Ordering::Relaxed),
                    }
                    // A scattered pick over everything held (7919 is prime).
                    let (number, name) = pick(o, s, q.wrapping_mul(7_919_993));
                    let found = reg.query(&number, &name, None, &owns).unwrap();
                    assert_eq!(found.len(), 1, "{number} {name}");
                    if q >= warm {
                        mine.push(due.elapsed().as_secs_f64() * 1e3);
                    }
                }
                lat.lock().unwrap().extend(mine);
            });
        }
    });
    let mut lat = lat.into_inner().unwrap();
    lat.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "query ({}, {} records held): open loop {:.0}/s for {:.0} s by {} clients, {} queries: \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} started after their due time)",
        reg.backend(),
        o.fill + o.n,
        o.rate,
        o.seconds,
        o.clients,
        lat.len(),
        at(0.5),
        at(0.99),
        at(1.0),
        late.load(Ordering::Relaxed)
    );
}
