//! Open connections per client address (`--web.max-connections-per-peer`), besides the
//! server-wide cap: one address holding its maximum cannot take the slots every other
//! client (Prometheus) needs.
//!
//! IPv4-mapped IPv6 addresses count as their IPv4 address. A connection over the limit
//! is closed right after `accept`, before any byte is read (for TLS there would be no
//! cheaper way to answer it).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The open connections of every peer address.
#[derive(Debug)]
pub struct PeerLimit {
    /// Most connections of one address; 0 means no limit.
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection; dropping it frees the peer's slot.
#[derive(Debug)]
pub struct PeerSlot {
    limit: Arc<PeerLimit>,
    ip: IpAddr,
}

impl PeerLimit {
    /// A limit of `max` connections per address (0: no limit).
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(PeerLimit {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for a connection from `ip`, or `None` when it already has `max` open.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<PeerSlot> {
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(ip).or_insert(0);
        if self.max != 0 && *n >= self.max {
            return None;
        }
        *n += 1;
        Some(PeerSlot {
            limit: Arc::clone(self),
            ip,
        })
    }

    /// Open connections of `ip` (tests).
    pub fn open(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&ip.to_canonical()).copied().unwrap_or(0)
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut open = self.limit.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                // Forget idle addresses, so the map holds only peers with connections.
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_at_its_limit_leaves_others_alone() {
        let limit = PeerLimit::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        let s1 = limit.admit(a).unwrap();
        let _s2 = limit.admit(mapped).unwrap();
        assert!(limit.admit(a).is_none(), "the mapped form is the same peer");
        let _s3 = limit.admit(b).unwrap();
        assert_eq!(limit.open(a), 2);
        drop(s1);
        assert_eq!(limit.open(a), 1);
        assert!(limit.admit(a).is_some());
        assert!(limit.open.lock().unwrap().len() <= 2);
    }

    #[test]
    fn zero_means_no_limit_and_idle_peers_are_forgotten() {
        let limit = PeerLimit::new(0);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let slots: Vec<_> = (0..100).map(|_| limit.admit(a).unwrap()).collect();
        assert_eq!(limit.open(a), 100);
        drop(slots);
        assert!(limit.open.lock().unwrap().is_empty());
    }
}
