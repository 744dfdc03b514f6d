//! Reading the per-agent series back out of an exposition text, and the invariants
//! every source's state set must keep: exactly one 1 per agent, and per state the 1s
//! add up to `contact_center_agents`.

use std::collections::BTreeMap;

/// One sample: its labels (in order) and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// `(name, unescaped value)` in exposition order.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// The value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every sample of family `name` (exactly that name, not a longer one).
pub fn samples(text: &str, name: &str) -> Vec<Sample> {
    text.lines()
        .filter_map(|l| l.strip_prefix(name)?.strip_prefix('{'))
        .map(|rest| {
            let (labels, tail) = parse_labels(rest);
            let value = tail
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("no value in {name}{{{rest}"));
            Sample { labels, value }
        })
        .collect()
}

/// Parses `a="x",b="y\"z"} 1` into the labels and what follows the `}`.
fn parse_labels(s: &str) -> (Vec<(String, String)>, &str) {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        if let Some(tail) = rest.strip_prefix('}') {
            return (out, tail);
        }
        let (name, after) = rest.split_once("=\"").expect("label name");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (_, '\\') => match chars.next().expect("escape").1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        out.push((name.trim_start_matches(',').to_string(), value));
        rest = after[end + 1..].trim_start_matches(',');
    }
}

/// Checks the state set of every source in `text` and returns its agents per source:
/// each agent has all eight states once, exactly one of them 1 and the rest 0, and per
/// source and state the 1s equal `contact_center_agents`.
pub fn check_state_sets(text: &str) -> BTreeMap<String, usize> {
    let mut per_agent: BTreeMap<(String, String), Vec<(String, f64)>> = BTreeMap::new();
    for s in samples(text, "contact_center_agent_state") {
        let source = s.label("source").expect("source").to_string();
        let id = s.label("agent_id").expect("agent_id").to_string();
        let state = s.label("state").expect("state").to_string();
        per_agent
            .entry((source, id))
            .or_default()
            .push((state, s.value));
    }
    let mut ones: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut agents: BTreeMap<String, usize> = BTreeMap::new();
    for ((source, id), states) in &per_agent {
        let mut names: Vec<&str> = states.iter().map(|(s, _)| s.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 8, "{source}/{id}: states {states:?}");
        assert_eq!(states.len(), 8, "{source}/{id}: states {states:?}");
        let current: Vec<&(String, f64)> = states.iter().filter(|(_, v)| *v == 1.0).collect();
        assert_eq!(
            current.len(),
            1,
            "{source}/{id}: not one current state: {states:?}"
        );
        assert!(
            states.iter().all(|(_, v)| *v == 0.0 || *v == 1.0),
            "{source}/{id}: {states:?}"
        );
        *ones
            .entry((source.clone(), current[0].0.clone()))
            .or_default() += 1.0;
        *agents.entry(source.clone()).or_default() += 1;
    }
    for s in samples(text, "contact_center_agents") {
        let source = s.label("source").expect("source").to_string();
        if !agents.contains_key(&source) {
            continue;
        }
        let state = s.label("state").expect("state").to_string();
        let n = ones
            .get(&(source.clone(), state.clone()))
            .copied()
            .unwrap_or(0.0);
        assert_eq!(
            n, s.value,
            "{source}: {state}: state set says {n}, contact_center_agents {}",
            s.value
        );
    }
    agents
}
