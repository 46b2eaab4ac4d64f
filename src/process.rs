//! The standard `process_*` metrics, read from `/proc` (Linux only; other
//! systems simply get none).

use crate::metrics::{Desc, Kind, MetricSet};

const CPU: Desc = Desc {
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    kind: Kind::Counter,
};
const RSS: Desc = Desc {
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    kind: Kind::Gauge,
};
const VSZ: Desc = Desc {
    name: "process_virtual_memory_bytes",
    help: "Virtual memory size in bytes.",
    kind: Kind::Gauge,
};
const START: Desc = Desc {
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    kind: Kind::Gauge,
};
const FDS: Desc = Desc {
    name: "process_open_fds",
    help: "Number of open file descriptors.",
    kind: Kind::Gauge,
};
const MAX_FDS: Desc = Desc {
    name: "process_max_fds",
    help: "Maximum number of open file descriptors.",
    kind: Kind::Gauge,
};
const THREADS: Desc = Desc {
    name: "process_threads",
    help: "Number of OS threads in the process.",
    kind: Kind::Gauge,
};

/// Kernel clock ticks per second; 100 on every Linux architecture netgauge targets.
const TICKS_PER_SECOND: f64 = 100.0;
const PAGE_SIZE: f64 = 4096.0;

pub fn render(set: &mut MetricSet) {
    let Some(stat) = read_stat() else { return };
    set.push(&CPU, vec![], (stat.utime + stat.stime) / TICKS_PER_SECOND);
    set.push(&RSS, vec![], stat.rss_pages * PAGE_SIZE);
    set.push(&VSZ, vec![], stat.vsize);
    set.push(&THREADS, vec![], stat.threads);
    if let Some(boot) = boot_time() {
        set.push(&START, vec![], boot + stat.starttime / TICKS_PER_SECOND);
    }
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        set.push(&FDS, vec![], dir.count() as f64);
    }
    if let Some(max) = max_fds() {
        set.push(&MAX_FDS, vec![], max);
    }
}

/// CPU seconds this process has used; for benchmarks and tests.
pub fn cpu_seconds() -> Option<f64> {
    read_stat().map(|s| (s.utime + s.stime) / TICKS_PER_SECOND)
}

struct Stat {
    utime: f64,
    stime: f64,
    threads: f64,
    starttime: f64,
    vsize: f64,
    rss_pages: f64,
}

fn read_stat() -> Option<Stat> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may contain spaces and parentheses; fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Field numbers in proc(5) minus 3 (pid, comm and the split point).
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
    Some(Stat {
        utime: num(11)?,
        stime: num(12)?,
        threads: num(17)?,
        starttime: num(19)?,
        vsize: num(20)?,
        rss_pages: num(21)?,
    })
}

fn boot_time() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

fn max_fds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_own_process_on_linux() {
        if cfg!(target_os = "linux") {
            let mut set = crate::metrics::MetricSet::new();
            super::render(&mut set);
            let rss = set.find("process_resident_memory_bytes", &[]).unwrap();
            assert!(rss > 1024.0 * 1024.0, "rss {rss}");
            assert!(set.find("process_open_fds", &[]).unwrap() >= 3.0);
            let start = set.find("process_start_time_seconds", &[]).unwrap();
            assert!(start > 1.6e9, "start {start}");
        }
    }
}
