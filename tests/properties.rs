//! Property tests (stable Rust, run in CI): every vendor parser, its normalizer, the
//! core's store and the renderer take arbitrary bytes, and well-formed payloads in the
//! documented shapes with random types and values, without panicking and without
//! producing a negative or non-finite value; the config loader takes any text without
//! panicking and names the file in every error. Case counts are modest (the whole
//! file runs in seconds); the cargo-fuzz targets in fuzz/ run the same checks longer.

mod common;

use common::pipeline;
use contact_center_exporter::config;
use contact_center_exporter::sources;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cfg(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any JSON value, small.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON has no NaN/inf", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            "[A-Z_ ]{0,12}",
            "-?[0-9]{1,12}(\\.[0-9]{1,3})?",
            "20[0-9]{2}-[01][0-9]-[0-3][0-9][ T][0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-][01][0-9]:00)?",
            ".{0,8}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// What a documented field holds.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Id,
    Num,
    Hour,
    Date,
    State,
    Str,
    Bool,
    Duration,
}

fn kind_of(key: &str) -> Kind {
    match key {
        "date"
        | "acd_status_change_time"
        | "prevtime"
        | "prevtime_utc"
        | "time"
        | "time_utc"
        | "stateChangedAt" => Kind::Date,
        "hour" => Kind::Hour,
        "acd_status" | "user_status" | "state" | "prevstate" | "status" => Kind::State,
        "user_name" | "acd_queue_name" | "campaign_name" | "queue_name" | "username"
        | "channel_type" | "msg" | "userId" => Kind::Str,
        "waiting" => Kind::Bool,
        "user_status_duration" | "customer_status_duration" => Kind::Duration,
        k if k.ends_with("_id") || k == "userid" => Kind::Id,
        _ => Kind::Num,
    }
}

/// A value of the documented type with edge cases (negative, zero, huge, empty, a
/// clock far ahead or behind), or, rarely, any JSON at all.
fn typed(kind: Kind) -> BoxedStrategy<Value> {
    let plausible = match kind {
        Kind::Id => prop_oneof![
            20 => (0i64..100_000).prop_map(|n| json!(n)),
            1 => "[0-9]{1,6}".prop_map(Value::String),
        ]
        .boxed(),
        Kind::Num => prop_oneof![
            12 => (0i64..100_000).prop_map(|n| json!(n)),
            1 => (-5i64..0).prop_map(|n| json!(n)),
            1 => (-5.0f64..1e6).prop_map(|f| json!(f)),
            1 => prop_oneof![Just(json!(1e300)), Just(json!(-0.0)), Just(json!(u64::MAX))],
            1 => "-?[0-9]{1,6}".prop_map(Value::String),
        ]
        .boxed(),
        Kind::Hour => prop_oneof![4 => (0i64..24).prop_map(|n| json!(n)), 1 => (-3i64..100).prop_map(|n| json!(n))].boxed(),
        Kind::Date => prop_oneof![
            "(1970|2019|2026|2099)-(0[1-9]|1[0-2])-[0-2][1-9]".prop_map(Value::String),
            "(1970|2019|2026|2099)-(0[1-9]|1[0-2])-[0-2][1-9] [01][0-9]:[0-5][0-9]:[0-5][0-9]".prop_map(Value::String),
            "(1970|2019|2026|2099)-(0[1-9]|1[0-2])-[0-2][1-9]T[01][0-9]:[0-5][0-9]:[0-5][0-9]Z".prop_map(Value::String),
        ]
        .boxed(),
        Kind::State => prop_oneof![
            Just("READY"), Just("ONLINE"), Just("IN_SERVICE"), Just("AVAILABLE"), Just("CALL"),
            Just("AFTERWORK"), Just("Ready"), Just("On Call"), Just("Break"), Just(""), Just("Ünknown ☎"),
        ]
        .prop_map(|s| json!(s))
        .boxed(),
        Kind::Str => prop_oneof![Just(json!("Sales")), Just(json!("")), "\\PC{0,8}".prop_map(Value::String)].boxed(),
        Kind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Kind::Duration => prop_oneof![
            (-10.0f64..1e5).prop_map(|f| json!(f)),
            "[0-9]{1,2}:[0-5][0-9]:[0-5][0-9]".prop_map(Value::String),
            "-?[0-9]{1,5}".prop_map(Value::String),
            Just(json!("soon")),
        ]
        .boxed(),
    };
    prop_oneof![60 => plausible, 1 => any_json()].boxed()
}

/// An object with the given keys, each present or not, each with a value of its
/// documented type (or, rarely, anything).
fn object(keys: &'static [&'static str]) -> BoxedStrategy<Value> {
    let fields: Vec<_> = keys
        .iter()
        .map(|k| {
            let present = if matches!(kind_of(k), Kind::Id) {
                0.97
            } else {
                0.85
            };
            prop::option::weighted(present, typed(kind_of(k)))
        })
        .collect();
    fields
        .prop_map(move |vals| {
            let mut m = serde_json::Map::new();
            for (k, v) in keys.iter().zip(vals) {
                if let Some(v) = v {
                    m.insert((*k).to_string(), v);
                }
            }
            Value::Object(m)
        })
        .boxed()
}

fn num() -> BoxedStrategy<Value> {
    typed(Kind::Num)
}

fn list_of(item: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop::collection::vec(item, 0..5).prop_map(Value::Array)
}

/// Voximplant documented shapes: (method selector, body).
fn voximplant_payload() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let stat = object(&["min", "avg", "max", "count", "sum"]);
    let status_group = (
        num(),
        list_of(
            (
                typed(Kind::Date),
                typed(Kind::Hour),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("READY".to_string()),
                        Just("ONLINE".to_string()),
                        "[A-Z]{1,6}"
                    ],
                    stat.clone(),
                    0..3,
                ),
            )
                .prop_map(|(date, hour, st)| json!({"date": date, "hour": hour, "acd_status": st})),
        ),
    )
        .prop_map(|(user, stats)| json!({"user_id": user, "statistics": stats}));
    let queue_hour = (
        typed(Kind::Date),
        typed(Kind::Hour), stat.clone(), stat.clone(), num(), list_of(object(&["count", "percent"])),
        list_of(object(&["acceptable_waiting_time", "call_count", "service_level"])))
        .prop_map(|(date, hour, wt, at, tc, ac, sl)| json!({"date": date, "hour": hour, "WT": wt, "AT": at, "TC": tc, "AC": ac, "UAC": ac, "SL": sl}));
    let operator = object(&["user_id", "user_name", "status", "acd_calls"]);
    let acd_queue = (num(), list_of(operator.clone()), list_of(operator.clone()), list_of(object(&["waiting_time", "user_id", "acd_request_id"])), num())
        .prop_map(|(id, ready, locked, waiting, n)| json!({"acd_queue_id": id, "ready_operators": ready, "locked_operators": locked,
            "after_service_operators": ready, "waiting_calls": waiting, "servicing_calls": waiting, "ready_operators_count": n}));
    let user = (
        object(&[
            "user_id",
            "user_name",
            "acd_status",
            "acd_status_change_time",
        ]),
        list_of(object(&["acd_queue_id", "acd_queue_name"])),
    )
        .prop_map(|(mut u, q)| {
            u["acd_queues"] = q;
            u
        });
    let queue_info = (
        object(&["acd_queue_id", "acd_queue_name", "application_id"]),
        prop::option::of(list_of(num())),
    )
        .prop_map(|(mut q, sl)| {
            if let Some(sl) = sl {
                q["sl_thresholds"] = sl;
            }
            q
        });
    prop_oneof![
        list_of(status_group).prop_map(|r| (0u8, json!({"result": r}))),
        list_of(queue_hour).prop_map(|r| (1u8, json!({"result": r}))),
        list_of(acd_queue).prop_map(|q| (2u8, json!({"result": {"acd_queues": q}}))),
        (list_of(queue_info), num())
            .prop_map(|(r, n)| (3u8, json!({"result": r, "total_count": n}))),
        (list_of(user), num()).prop_map(|(r, n)| (4u8, json!({"result": r, "total_count": n}))),
        object(&["msg", "code"]).prop_map(|e| (5u8, json!({"error": e}))),
    ]
    .prop_map(|(s, v)| (s, serde_json::to_vec(&v).unwrap()))
}

fn exotel_payload() -> impl Strategy<Value = Vec<u8>> {
    let session = (
        object(&[
            "user_id",
            "user_name",
            "user_status",
            "user_status_duration",
            "campaign_name",
            "campaign_id",
            "queue_name",
            "queue_id",
            "waiting",
            "customer_status_duration",
        ]),
        object(&["channel_type"]),
    )
        .prop_map(|(mut s, ch)| {
            s["channel_details"] = ch;
            json!({"data": s})
        });
    (
        list_of(session),
        object(&["total", "count", "offset", "limit"]),
    )
        .prop_map(|(rows, meta)| {
            serde_json::to_vec(&json!({"response": rows, "metadata": meta})).unwrap()
        })
}

fn vcc_payload() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let record = object(&[
        "userid",
        "prevstate",
        "state",
        "prevtime",
        "prevtime_utc",
        "time",
        "time_utc",
        "duration",
        "projectid",
        "username",
    ]);
    let online = object(&[
        "userId",
        "username",
        "state",
        "stateDuration",
        "stateChangedAt",
    ]);
    prop_oneof![
        (
            list_of(record),
            prop::option::weighted(0.1, list_of(typed(Kind::Str)))
        )
            .prop_map(|(r, e)| (0u8, json!({"response": r, "errors": e}))),
        list_of(online.clone()).prop_map(|r| (1u8, json!({"response": r, "errors": []}))),
        list_of(online).prop_map(|r| (1u8, r)),
    ]
    .prop_map(|(s, v)| (s, serde_json::to_vec(&v).unwrap()))
}

/// 8x8 Analytics documented shapes: (endpoint selector, body). Records `{id, name,
/// metrics: [{key, value}]}` with the keys the source reads and others, values of every
/// documented shape (numbers, numeric strings, null, text, lists).
/// Genesys Cloud documented shapes (the SDK models'): (answer selector, body).
fn genesys_payload() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let stats = prop_oneof![
        6 => (num(), num()).prop_map(|(c, s)| json!({"count": c, "sum": s})),
        1 => object(&["count", "sum", "max", "min"]),
    ];
    let date = prop_oneof![
        4 => Just(json!("2019-05-20T12:58:00.000Z")),
        1 => Just(json!("2019-05-20T14:00:00Z")),
        1 => typed(Kind::Date),
    ];
    let metric = prop::sample::select(vec![
        "oWaiting",
        "oOnQueueUsers",
        "oOffQueueUsers",
        "oInteracting",
        "nOffered",
        "tAnswered",
        "tAbandon",
        "nOverSla",
        "tHandle",
        "tTalkComplete",
        "tHeldComplete",
        "tAcw",
    ]);
    let qualifier = prop::option::of(prop::sample::select(vec![
        "IDLE",
        "INTERACTING",
        "NOT_RESPONDING",
        "p-off",
        "p-break",
        "DANCING",
    ]));
    let data = (metric, qualifier, stats, prop::collection::vec(date, 0..3)).prop_map(
        |(m, q, s, dates)| {
            let obs: Vec<Value> = dates
                .into_iter()
                .map(|d| json!({"observationDate": d}))
                .collect();
            let mut v = json!({"metric": m, "stats": s, "observations": obs});
            if let Some(q) = q {
                v["qualifier"] = json!(q);
            }
            v
        },
    );
    let media = prop::option::of(prop::sample::select(vec![
        "voice", "chat", "message", "email", "callback", "fax",
    ]));
    let group = (
        prop::sample::select(vec!["q1", "q2", "q3"]),
        media,
        prop::collection::vec(data, 0..6),
    );
    let observations = prop::collection::vec(group.clone(), 0..5).prop_map(|groups| {
        let results: Vec<Value> = groups
            .into_iter()
            .map(|(q, m, data)| {
                let mut g = json!({"queueId": q});
                if let Some(m) = m {
                    g["mediaType"] = json!(m);
                }
                json!({"group": g, "data": data})
            })
            .collect();
        json!({"systemToOrganizationMappings": {"OFFLINE": ["p-off"], "BREAK": ["p-break"]},
               "results": results})
    });
    let aggregates = prop::collection::vec(group, 0..5).prop_map(|groups| {
        let results: Vec<Value> = groups
            .into_iter()
            .map(|(q, m, data)| {
                let metrics: Vec<Value> = data
                    .into_iter()
                    .map(|d| json!({"metric": d["metric"], "stats": d["stats"]}))
                    .collect();
                json!({"group": {"queueId": q, "mediaType": m}, "data": [{"interval": "x", "metrics": metrics}]})
            })
            .collect();
        json!({ "results": results })
    });
    let presence = (
        // Mostly an org's size: every counted agent becomes an entry.
        prop::sample::select(vec!["ON_QUEUE", "OFFLINE", "BREAK", "AWAY", "NAPPING"]),
        prop_oneof![8 => (0i64..50).prop_map(|n| json!(n)), 1 => num()],
    )
        .prop_map(|(p, n)| json!({"systemPresence": p, "count": n}));
    let routing = (
        prop::sample::select(vec![
            "OFF_QUEUE",
            "IDLE",
            "INTERACTING",
            "COMMUNICATING",
            "NOT_RESPONDING",
            "X",
        ]),
        prop_oneof![8 => (0i64..50).prop_map(|n| json!(n)), 1 => num()],
    )
        .prop_map(|(r, n)| json!({"routingStatus": r, "count": n}));
    let counts = (
        prop::collection::vec(presence, 0..6),
        prop::collection::vec(routing, 0..6),
    )
        .prop_map(|(p, r)| json!({"presenceCounts": p, "routingStatusCounts": r}));
    let service_level = object(&["durationMs", "percentage"]);
    let queue = (typed(Kind::Str), typed(Kind::Str), service_level).prop_map(|(id, name, sl)| {
        json!({"id": id, "name": name, "mediaSettings": {"call": {"serviceLevel": sl}}})
    });
    let listing = prop::collection::vec(queue, 0..5)
        .prop_map(|q| json!({"entities": q, "pageNumber": 1, "pageCount": 1}));
    prop_oneof![
        1 => listing.prop_map(|v| (0u8, v)),
        3 => observations.prop_map(|v| (1u8, v)),
        3 => aggregates.prop_map(|v| (2u8, v)),
        2 => counts.prop_map(|v| (3u8, v)),
        1 => object(&["access_token", "expires_in", "token_type"]).prop_map(|t| (4u8, t)),
        1 => typed(Kind::Str).prop_map(|m| (1u8, json!({"message": m, "code": "bad.request"}))),
    ]
    .prop_map(|(s, v)| (s, serde_json::to_vec(&v).unwrap()))
}

fn e88a_payload() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let mut keys: Vec<&'static str> =
        sources::eight_by_eight_analytics::types::QUEUE_METRICS.to_vec();
    keys.extend(sources::eight_by_eight_analytics::types::AGENT_METRICS);
    keys.extend([
        "busy.rt",
        "slaPercentage.today",
        "activeQueues.rt",
        "lastLogin.rt",
    ]);
    let value = prop_oneof![
        8 => num(),
        2 => typed(Kind::State),
        1 => Just(Value::Null),
        1 => typed(Kind::Date),
        1 => list_of(object(&["id", "name", "count"])),
    ];
    let item = (prop::sample::select(keys), value).prop_map(|(k, v)| json!({"key": k, "value": v}));
    let record = (
        prop::option::weighted(0.95, typed(Kind::Id)),
        prop::option::weighted(0.9, typed(Kind::Str)),
        prop::collection::vec(item, 0..12),
    )
        .prop_map(|(id, name, metrics)| {
            let mut r = json!({"metrics": metrics});
            if let Some(id) = id {
                r["id"] = id;
            }
            if let Some(name) = name {
                r["name"] = name;
            }
            r
        });
    prop_oneof![
        4 => (0u8..2, prop::collection::vec(record, 0..6)).prop_map(|(s, r)| (s, json!(r))),
        1 => object(&["access_token", "expires_in", "issued_at"]).prop_map(|t| (2u8, t)),
        1 => typed(Kind::Str).prop_map(|m| (0u8, json!({"message": m}))),
    ]
    .prop_map(|(s, v)| (s, serde_json::to_vec(&v).unwrap()))
}

/// Twilio TaskRouter documented shapes: (answer selector, body): bulk real-time data,
/// a cumulative answer, a Workers page and an Activities page, with counts as numbers,
/// numeric strings, negatives and nulls.
fn twilio_payload() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let sid = prop::sample::select(vec![
        "WQ1",
        "WQ2",
        "WQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "WQ9",
    ]);
    let count = prop_oneof![8 => num(), 1 => Just(Value::Null)];
    let activity = (typed(Kind::State), count.clone())
        .prop_map(|(n, w)| json!({"friendly_name": n, "workers": w, "sid": "WA1"}));
    let real_time = (
        sid,
        count.clone(),
        count.clone(),
        count.clone(),
        count.clone(),
        list_of(activity),
    )
        .prop_map(|(sid, age, rel, pending, reserved, acts)| {
            json!({"task_queue_sid": sid, "longest_task_waiting_age": age,
                   "longest_relative_task_age_in_queue": rel,
                   "tasks_by_status": {"pending": pending, "reserved": reserved},
                   "activity_statistics": acts})
        });
    let cumulative = (
        count.clone(),
        count.clone(),
        count.clone(),
        count.clone(),
        count.clone(),
    )
        .prop_map(|(e, a, c, d, below)| {
            json!({"task_queue_sid": "WQ1", "tasks_entered": e, "reservations_accepted": a,
                   "tasks_canceled": c, "tasks_completed": d,
                   "split_by_wait_time": {"20": {"below": {"reservations_accepted": below}}}})
        });
    let worker = (
        typed(Kind::Id),
        typed(Kind::Str),
        typed(Kind::State),
        typed(Kind::Date),
    )
        .prop_map(|(sid, name, act, at)| {
            json!({"sid": sid.to_string(), "friendly_name": name, "activity_name": act,
                   "date_status_changed": at})
        });
    let activity_flag = (
        typed(Kind::State),
        prop_oneof![
            Just(json!(true)),
            Just(json!(false)),
            Just(Value::Null),
            Just(json!("yes"))
        ],
    )
        .prop_map(|(n, a)| json!({"sid": "WA1", "friendly_name": n, "available": a}));
    prop_oneof![
        2 => prop::collection::vec(real_time, 0..6).prop_map(|r| (1u8, json!({"task_queue_data": r}))),
        1 => prop::collection::vec(activity_flag, 0..6).prop_map(|a| (4u8, json!({"activities": a, "meta": {"next_page_url": null}}))),
        2 => cumulative.prop_map(|c| (2u8, c)),
        2 => prop::collection::vec(worker, 0..6).prop_map(|w| (3u8, json!({"workers": w, "meta": {"next_page_url": null}}))),
        1 => typed(Kind::Str).prop_map(|m| (2u8, json!({"code": 20003, "message": m, "status": 401}))),
    ]
    .prop_map(|(s, v)| (s, serde_json::to_vec(&v).unwrap()))
}

/// XML text content of the field `name`: a value of its documented kind with edge
/// cases, or, rarely, any text (escaped).
fn xml_text(name: &str) -> BoxedStrategy<String> {
    let plausible = match name {
        "time-stamp" | "event-time" => prop_oneof![
            "(1970|2008|2026|2099)-(0[1-9]|1[0-2])-[0-2][1-9]T[01][0-9]:[0-5][0-9]:[0-5][0-9][+-]0[0-9]:00",
            Just("not a time".to_string()),
        ]
        .boxed(),
        "status" => prop_oneof![Just("On Break"), Just("Available"), Just("Ünknown ☎"), Just("")]
            .prop_map(str::to_string)
            .boxed(),
        "media-type" => prop_oneof![Just("T"), Just("E"), Just("V"), Just("C"), Just("Z")]
            .prop_map(str::to_string)
            .boxed(),
        "enabled" | "sla-enabled" | "deleted" => prop_oneof![Just("Y"), Just("N"), Just("Yes"), Just("No"), Just("?")]
            .prop_map(str::to_string)
            .boxed(),
        "group-name" | "queue-name" | "agent-name" | "agent-id" | "group-id" | "queue-id" => {
            "[A-Za-z0-9 ]{0,8}".boxed()
        }
        _ => prop_oneof![
            12 => (0i64..100_000).prop_map(|n| n.to_string()),
            1 => (-5i64..0).prop_map(|n| n.to_string()),
            1 => "[0-9]{1,6}\\.[0-9]{1,3}",
            1 => Just("99999999999999999999999".to_string()),
        ]
        .boxed(),
    };
    prop_oneof![
        60 => plausible,
        1 => ".{0,10}".prop_map(|s| s.replace('&', "&amp;").replace('<', "&lt;")),
    ]
    .boxed()
}

fn xml_record(
    record: &'static str,
    fields: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let texts: Vec<_> = fields
        .iter()
        .map(|f| prop::option::weighted(0.85, xml_text(f)))
        .collect();
    texts.prop_map(move |vals| {
        let mut s = format!("<{record}>");
        for (f, v) in fields.iter().zip(vals) {
            if let Some(v) = v {
                s.push_str(&format!("<{f}>{v}</{f}>"));
            }
        }
        s.push_str(&format!("</{record}>"));
        s
    })
}

fn xml_list(
    list: &'static str,
    record: impl Strategy<Value = String>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(record, 0..5).prop_map(move |r| {
        format!(
            "<?xml version='1.0' encoding='UTF-8' ?>\n<{list}>{}</{list}>",
            r.concat()
        )
    })
}

fn eight_payload() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let sla_online = (
        xml_record("online-sla", &["queue-id", "time-stamp", "media-type"]),
        xml_record(
            "accepted",
            &[
                "t0-5sec",
                "t5-10sec",
                "t10-20sec",
                "t20-30sec",
                "t30-40sec",
                "t30-45sec",
                "t45-60sec",
                "t60-120sec",
                "t120-180sec",
                "t180plus",
            ],
        ),
    )
        .prop_map(|(r, acc)| {
            r.replace(
                "</online-sla>",
                &format!("{acc}{}</online-sla>", acc.replace("accepted", "abandoned")),
            )
        });
    prop_oneof![
        xml_list(
            "groups",
            xml_record("group", &["group-id", "group-name", "deleted"])
        )
        .prop_map(|b| (0u8, b)),
        xml_list(
            "statuses",
            xml_record(
                "status",
                &["agent-id", "agent-name", "status", "event-time", "group-id"]
            )
        )
        .prop_map(|b| (1u8, b)),
        xml_list(
            "statistics",
            xml_record(
                "statistic",
                &[
                    "agent-id",
                    "time-stamp",
                    "on-break-time",
                    "available-time",
                    "processing-time",
                    "logged-out-time"
                ]
            )
        )
        .prop_map(|b| (2u8, b)),
        xml_list(
            "queues",
            xml_record(
                "queue",
                &[
                    "queue-id",
                    "queue-name",
                    "media-type",
                    "enabled",
                    "sla-enabled",
                    "sla-time"
                ]
            )
        )
        .prop_map(|b| (3u8, b)),
        xml_list(
            "statistics",
            xml_record(
                "statistic",
                &[
                    "queue-name",
                    "time-stamp",
                    "media-type",
                    "entered-count",
                    "accepted-count",
                    "sla-met-count",
                    "abandoned-count",
                    "time-waiting",
                    "total-time-to-abandon"
                ]
            )
        )
        .prop_map(|b| (4u8, b)),
        xml_list("online-slas", sla_online).prop_map(|b| (5u8, b)),
        xml_list(
            "offline-slas",
            xml_record(
                "offline-sla",
                &[
                    "queue-id",
                    "time-stamp",
                    "t0-30min",
                    "t30-60min",
                    "t1-2hrs",
                    "t2plus"
                ]
            )
        )
        .prop_map(|b| (6u8, b)),
    ]
    .prop_map(|(s, b)| (s, b.into_bytes()))
}

/// YAML built from the config's own keys with random values.
fn config_yaml() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("30s".to_string()),
        Just("0s".to_string()),
        Just("1ms".to_string()),
        Just("99999999h".to_string()),
        "-?[0-9]{1,20}",
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("~".to_string()),
        Just("http://127.0.0.1:1/x".to_string()),
        Just("\"\"".to_string()),
        Just("UTC".to_string()),
        Just("Mars/Olympus".to_string()),
        Just("$CREDENTIALS_DIRECTORY/x".to_string()),
        "[a-z_:/.\\-]{0,12}",
    ];
    // Every key the exporter accepts for any vendor (each is wrong for some vendor),
    // plus one it accepts for none.
    let mut all_keys: Vec<&str> = config::common_keys().to_vec();
    all_keys.extend(sources::all_vendor_keys());
    all_keys.sort_unstable();
    all_keys.dedup();
    all_keys.push("bogus");
    let keys = prop::sample::select(all_keys);
    let mut vendors: Vec<&str> = sources::REGISTRY.iter().map(|v| v.as_str()).collect();
    vendors.push("nope");
    let vendor = prop::sample::select(vendors);
    let source =
        (vendor, prop::collection::vec((keys, value.clone()), 0..8)).prop_map(|(v, kv)| {
            let mut s = format!("  - name: s\n    vendor: {v}\n");
            for (k, val) in kv {
                s.push_str(&format!("    {k}: {val}\n"));
            }
            s
        });
    (
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "interval",
                    "timeout",
                    "max_staleness",
                    "max_response_bytes",
                    "labels",
                    "x",
                ]),
                value,
            ),
            0..3,
        ),
        prop::collection::vec(source, 0..3),
    )
        .prop_map(|(g, s)| {
            let mut y = String::from("global:\n");
            for (k, v) in g {
                y.push_str(&format!("  {k}: {v}\n"));
            }
            y.push_str("sources:\n");
            y.push_str(&s.concat());
            y
        })
}

proptest! {
    #![proptest_config(cfg(256))]

    #[test]
    fn parsers_take_arbitrary_bytes(selector in any::<u8>(), body in prop::collection::vec(any::<u8>(), 0..256)) {
        for v in sources::REGISTRY {
            pipeline::vendor(v.as_str(), selector, &body);
        }
    }

    #[test]
    fn parsers_take_arbitrary_json(v in any_json(), selector in any::<u8>()) {
        let body = serde_json::to_vec(&v).unwrap();
        for v in sources::REGISTRY {
            pipeline::vendor(v.as_str(), selector, &body);
        }
    }

    #[test]
    fn voximplant_documented_shapes_with_wrong_values((selector, body) in voximplant_payload()) {
        pipeline::voximplant(selector, &body);
    }

    #[test]
    fn exotel_documented_shapes_with_wrong_values(body in exotel_payload()) {
        pipeline::exotel(&body);
    }

    #[test]
    fn vcc_live_documented_shapes_with_wrong_values((selector, body) in vcc_payload()) {
        pipeline::vcc_live(selector, &body);
    }

    #[test]
    fn eight_by_eight_documented_shapes_with_wrong_values((selector, body) in eight_payload()) {
        pipeline::eight_by_eight(selector, &body);
    }

    #[test]
    fn eight_by_eight_analytics_documented_shapes_with_wrong_values((selector, body) in e88a_payload()) {
        pipeline::eight_by_eight_analytics(selector, &body);
    }

    #[test]
    fn twilio_taskrouter_documented_shapes_with_wrong_values((selector, body) in twilio_payload()) {
        pipeline::twilio_taskrouter(selector, &body);
    }

    #[test]
    fn genesys_cloud_documented_shapes_with_wrong_values((selector, body) in genesys_payload()) {
        pipeline::genesys_cloud(selector, &body);
    }

    #[test]
    fn config_takes_arbitrary_text(text in "\\PC{0,200}") {
        pipeline::config_text(&text);
    }

    #[test]
    fn config_takes_its_own_keys_with_wrong_values(yaml in config_yaml()) {
        pipeline::config_text(&yaml);
    }
}

/// The generated "documented shapes" must often get past the parsers, or the
/// properties above would only ever test the error paths.
#[test]
fn generated_shapes_often_parse() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    fn rate<T>(s: impl Strategy<Value = T>, f: impl Fn(T) -> bool) -> f64 {
        let mut runner = TestRunner::deterministic();
        let n = 200;
        let ok = (0..n)
            .filter(|_| f(s.new_tree(&mut runner).unwrap().current()))
            .count();
        ok as f64 / n as f64
    }
    let rates = [
        ("exotel", rate(exotel_payload(), |b| pipeline::exotel(&b))),
        (
            "voximplant",
            rate(voximplant_payload(), |(s, b)| pipeline::voximplant(s, &b)),
        ),
        (
            "vcc_live",
            rate(vcc_payload(), |(s, b)| pipeline::vcc_live(s, &b)),
        ),
        (
            "eight_by_eight",
            rate(eight_payload(), |(s, b)| pipeline::eight_by_eight(s, &b)),
        ),
        (
            "eight_by_eight_analytics",
            rate(e88a_payload(), |(s, b)| {
                pipeline::eight_by_eight_analytics(s, &b)
            }),
        ),
        (
            "twilio_taskrouter",
            rate(twilio_payload(), |(s, b)| {
                pipeline::twilio_taskrouter(s, &b)
            }),
        ),
        (
            "genesys_cloud",
            rate(genesys_payload(), |(s, b)| pipeline::genesys_cloud(s, &b)),
        ),
    ];
    eprintln!("accepted: {rates:?}");
    for (v, r) in rates {
        assert!(
            r >= 0.1,
            "{v}: only {:.0}% of generated payloads parsed",
            r * 100.0
        );
    }
}

/// The fixtures themselves pass the same checks (and so are valid seeds for fuzzing).
#[test]
fn fixtures_pass_the_pipeline() {
    let dir = pipeline::fixtures_dir();
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap();
    pipeline::exotel(&read("exotel/user-session-information.json"));
    for (s, f) in [
        (0, "GetACDOperatorStatusStatistics.json"),
        (0, "GetACDOperatorStatusStatistics-list-shape.json"),
        (1, "GetACDQueueStatistics.json"),
        (2, "GetACDState.json"),
        (3, "GetQueues.json"),
        (4, "GetUsers.json"),
    ] {
        pipeline::voximplant(s, &read(&format!("voximplant/{f}")));
    }
    for (s, f) in [
        (0, "groups.xml"),
        (1, "group-statuses.xml"),
        (2, "agent-statuses-statistics.xml"),
        (4, "queue-statistics.xml"),
        (5, "queue-online-slas.xml"),
        (6, "queue-offline-slas.xml"),
    ] {
        pipeline::eight_by_eight(s, &read(&format!("eight_by_eight/{f}")));
    }
    pipeline::vcc_live(0, &read("vcc_live/userstate-example.json"));
    for (s, f) in [
        (0, "queues.json"),
        (0, "queues-all-metrics.json"),
        (0, "error-tenant-missing.json"),
        (1, "queue-agents.json"),
        (1, "agents.json"),
        (2, "token.json"),
    ] {
        pipeline::eight_by_eight_analytics(s, &read(&format!("eight_by_eight_analytics/{f}")));
    }
    for (s, f) in [
        (0, "task-queues.json"),
        (1, "bulk-real-time-statistics.json"),
        (2, "cumulative-statistics.json"),
        (3, "workers.json"),
        (4, "activities.json"),
    ] {
        assert!(
            pipeline::twilio_taskrouter(s, &read(&format!("twilio_taskrouter/{f}"))),
            "{f}"
        );
    }
    for (s, f) in [
        (0, "queues-page1.json"),
        (0, "queues-page2.json"),
        (1, "observations.json"),
        (1, "error-400.json"),
        (2, "aggregates.json"),
        (3, "status-counts.json"),
        (4, "token.json"),
    ] {
        assert!(
            pipeline::genesys_cloud(s, &read(&format!("genesys_cloud/{f}")))
                || f == "error-400.json",
            "{f}"
        );
    }
    for (s, f) in [
        (0, "list-queues.json"),
        (1, "current-metric-data.json"),
        (2, "metric-data-v2.json"),
        (3, "current-user-data.json"),
        (3, "current-user-data-2.json"),
    ] {
        assert!(
            pipeline::amazon_connect(s, &read(&format!("amazon_connect/{f}"))),
            "{f}"
        );
    }
    pipeline::config_text(
        &std::fs::read_to_string(dir.join("../../examples/contact-center-exporter.yml")).unwrap(),
    );
}

// ---------------------------------------------------------------------------------
// Counting exactly once (issue 27): the period ledger under any order of polls and
// late fills, and the vendor-day rule under any vendor rollover within its window.

mod exactly_once {
    use std::collections::HashMap;

    use chrono::{TimeZone, Utc};
    use contact_center_exporter::model::{
        Channel, PeriodKey, PeriodValue, QueueCount, QueueCounter, QueueKey, Snapshot,
    };
    use contact_center_exporter::state::StateMapper;
    use contact_center_exporter::store::SourceData;
    use contact_center_exporter::vendor_day::VendorDay;

    /// Our local midnight (UTC) between the old day D and the new day.
    pub fn midnight() -> i64 {
        Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0)
            .unwrap()
            .timestamp()
    }

    fn series(counter: QueueCounter) -> QueueCount {
        QueueCount {
            key: QueueKey {
                queue: "Q".into(),
                channel: Channel::Other,
            },
            counter,
        }
    }

    fn mapper() -> StateMapper {
        StateMapper::new("p", &[], &HashMap::new())
    }

    fn counter(d: &SourceData, c: QueueCounter) -> f64 {
        d.queue_counters.get(&series(c)).copied().unwrap_or(0.0)
    }

    /// Periods re-read in any order while they fill late: `fills` are (period,
    /// amount) in time order; each poll reads the listed periods' values so far (any
    /// subset, any order, repeats allowed), and a last poll reads them all. The counter
    /// ends at the sum of every period's final value.
    pub fn late_fills(fills: &[(u8, u8)], polls: &[(usize, Vec<u8>)]) -> (f64, f64) {
        let mut data = SourceData::default();
        let now = midnight();
        let value_at = |p: u8, step: usize| -> f64 {
            fills[..step.min(fills.len())]
                .iter()
                .filter(|(q, _)| *q == p)
                .map(|(_, a)| f64::from(*a))
                .sum()
        };
        let read = |periods: &[u8], step: usize| Snapshot {
            queue_counts: periods
                .iter()
                .map(|p| PeriodValue {
                    series: series(QueueCounter::Handled),
                    period: PeriodKey {
                        start: now - 1800 * i64::from(*p),
                        scope: "7".into(),
                    },
                    value: value_at(*p, step),
                })
                .collect(),
            ..Snapshot::default()
        };
        let mut steps: Vec<&(usize, Vec<u8>)> = polls.iter().collect();
        steps.sort_by_key(|(s, _)| *s);
        for (step, periods) in steps {
            data.ingest(read(periods, *step), &mapper(), now);
        }
        let all: Vec<u8> = (0..6).collect();
        data.ingest(read(&all, fills.len()), &mapper(), now);
        let want: f64 = fills.iter().map(|(_, a)| f64::from(*a)).sum();
        (counter(&data, QueueCounter::Handled), want)
    }

    /// One scenario of "today so far" totals around midnight.
    #[derive(Debug, Clone)]
    pub struct Rollover {
        /// Calls of the old day before the hour around midnight.
        pub base: u32,
        /// Calls: seconds from our midnight, and whether abandoned.
        pub calls: Vec<(i64, bool)>,
        /// Where the vendor's day starts, seconds from our midnight (negative: early).
        pub shift: i64,
        /// First poll, seconds from our midnight.
        pub start: i64,
        /// Seconds between polls.
        pub gaps: Vec<i64>,
    }

    impl Rollover {
        /// The vendor's answer at `t` (seconds from midnight): (entered, abandoned) of
        /// its current day so far, and whether that day is the old one.
        fn answer(&self, t: i64) -> ((u32, u32), bool) {
            let old = t < self.shift;
            let mut totals = if old { (self.base, 0) } else { (0, 0) };
            for (at, abandoned) in &self.calls {
                if *at <= t && (*at < self.shift) == old {
                    totals.0 += 1;
                    totals.1 += u32::from(*abandoned);
                }
            }
            (totals, old)
        }

        fn poll_times(&self) -> Vec<i64> {
            let mut t = self.start;
            let mut out = vec![t];
            for g in self.gaps.iter().cycle() {
                t += g;
                if t > 3 * 3600 {
                    break;
                }
                out.push(t);
            }
            out
        }

        /// Whether the rollover shows in the data: the new day's first answer is below
        /// the old day's last (a new day that overtakes the old one before the next
        /// poll cannot be told from it), and the first answer is not the new day's
        /// before our midnight (a first poll has nothing to compare with).
        pub fn observable(&self) -> bool {
            let times = self.poll_times();
            let first_new = times.iter().position(|t| !self.answer(*t).1);
            let (Some(i), true) = (first_new, times.iter().any(|t| *t >= 15 * 60)) else {
                return false;
            };
            let sum = |a: (u32, u32)| a.0 + a.1;
            let fell = i > 0 && sum(self.answer(times[i]).0) < sum(self.answer(times[i - 1]).0);
            let quiet_old = i == 0 || sum(self.answer(times[i - 1]).0) == 0;
            let early_first = i == 0 && times[0] < 0;
            (fell || quiet_old) && !early_first
        }

        /// Runs the polls through the vendor-day rule and the store; returns the
        /// (entered, abandoned) counters and what each should be: the old day's totals
        /// at its last answer plus the new day's at its last.
        pub fn run(&self) -> ((f64, f64), (f64, f64)) {
            let mut day = VendorDay::new(chrono_tz::UTC);
            let mut data = SourceData::default();
            let (mut last_old, mut last_new) = ((0, 0), (0, 0));
            for t in self.poll_times() {
                let (totals, old) = self.answer(t);
                if old {
                    last_old = totals;
                } else {
                    last_new = totals;
                }
                let values = [
                    (QueueCounter::Entered, totals.0),
                    (QueueCounter::Abandoned, totals.1),
                ]
                .into_iter()
                .map(|(c, v)| PeriodValue {
                    series: series(c),
                    period: PeriodKey {
                        start: 0,
                        scope: "7".into(),
                    },
                    value: f64::from(v),
                })
                .collect();
                let now = Utc.timestamp_opt(midnight() + t, 0).unwrap();
                let booked = day.book(now, values);
                let snap = Snapshot {
                    queue_counts: booked,
                    ..Snapshot::default()
                };
                data.ingest(snap, &mapper(), now.timestamp());
            }
            (
                (
                    counter(&data, QueueCounter::Entered),
                    counter(&data, QueueCounter::Abandoned),
                ),
                (
                    f64::from(last_old.0 + last_new.0),
                    f64::from(last_old.1 + last_new.1),
                ),
            )
        }
    }
}

proptest! {
    #![proptest_config(cfg(512))]

    /// Any order of re-reads of periods that fill late counts each period's final
    /// value exactly once.
    #[test]
    fn late_fills_in_any_read_order_count_each_period_once(
        fills in prop::collection::vec((0u8..6, 1u8..20), 0..30),
        polls in prop::collection::vec((0usize..31, prop::collection::vec(0u8..6, 0..8)), 0..12),
    ) {
        let (got, want) = exactly_once::late_fills(&fills, &polls);
        prop_assert_eq!(got, want);
    }

    /// A vendor whose day turns early, late or in sync (within 10 minutes of our
    /// midnight), polled every 5 s to 4 min from any start: each day's totals count
    /// exactly once, whenever the rollover shows in the data.
    #[test]
    fn vendor_rollovers_count_each_day_once(
        base in 0u32..60,
        calls in prop::collection::vec((-3600i64..3600, any::<bool>()), 0..40),
        shift in -600i64..=600,
        start in -3600i64..1200,
        gaps in prop::collection::vec(5i64..240, 1..6),
    ) {
        let r = exactly_once::Rollover { base, calls, shift, start, gaps };
        prop_assume!(r.observable());
        let (got, want) = r.run();
        prop_assert_eq!(got, want, "{:?}", r);
    }
}
