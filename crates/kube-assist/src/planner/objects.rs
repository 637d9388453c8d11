//! Objects from words: "create a deployment web with image nginx:1.25 and 3
//! replicas", "create a configmap app-config with LOG_LEVEL=debug", "create
//! namespace staging", "expose web on port 80", "autoscale web between 2 and 5 at
//! 70% cpu". Read from the request's structure: a verb of making, the kind it
//! makes, the name after the kind or after "called"/"named", and the values after
//! their prepositions or kubectl flags. A value the object needs and the words do
//! not give is asked for, never invented.

use std::collections::BTreeMap;

use super::names::{need_target, target};
use super::offline::Request;
use super::words::{is_image, is_stopword, kind_word, number};
use super::{PlanContext, Planned};
use crate::ops::*;

/// What kind of object a create request makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Made {
    Deployment,
    ConfigMap,
    Secret,
    Namespace,
}

/// A create request, as the words give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Creation {
    pub made: Made,
    pub name: String,
    pub image: Option<String>,
    pub replicas: Option<u32>,
    pub port: Option<u16>,
    /// `KEY=VALUE` literals of a ConfigMap or Secret, in the order given.
    pub data: BTreeMap<String, String>,
}

/// Verbs that make a new object.
const MAKING: &[&str] = &["create", "make", "new", "add", "generate", "setup"];

/// The kind a create request names, with the index of its word.
fn made_kind(r: &Request) -> Option<(Made, usize)> {
    r.tokens.iter().enumerate().find_map(|(i, t)| {
        let next = r.tokens.get(i + 1).map(String::as_str);
        let made = match t.as_str() {
            "secret" | "secrets" => Made::Secret,
            "namespace" | "namespaces" | "ns" => Made::Namespace,
            "config" if next == Some("map") => Made::ConfigMap,
            _ => match kind_word(t)?.0 {
                Kind::Deployment => Made::Deployment,
                Kind::ConfigMap => Made::ConfigMap,
                _ => return None,
            },
        };
        let skip = usize::from(t == "config");
        Some((made, i + skip))
    })
}

/// Does a create request make a namespace?
pub(super) fn makes_namespace(r: &Request) -> bool {
    made_kind(r).is_some_and(|(m, _)| m == Made::Namespace)
}

/// Does the request ask to make an object?
pub(super) fn asks_to_create(r: &Request) -> bool {
    let opens = r
        .tokens
        .iter()
        .find(|t| {
            !matches!(
                t.as_str(),
                "please" | "pls" | "can" | "could" | "you" | "a" | "an"
            )
        })
        .is_some_and(|t| MAKING.contains(&t.as_str()));
    opens && made_kind(r).is_some()
}

/// A word that can name an object (`app-config`, `web`).
fn is_name(w: &str) -> bool {
    !is_stopword(w)
        && kind_word(w).is_none()
        && !is_image(w)
        && number(w).is_none()
        && !w.starts_with('-')
        && !MAKING.contains(&w)
        && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && w.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

/// The value of a kubectl flag written `--flag=V` or `--flag V`.
fn flag<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    let eq = format!("--{name}=");
    r.tokens.iter().enumerate().find_map(|(i, t)| {
        if let Some(v) = t.strip_prefix(&eq) {
            return Some(v);
        }
        (t.trim_start_matches('-') == name && t.starts_with("--"))
            .then(|| r.tokens.get(i + 1).map(String::as_str))
            .flatten()
    })
}

/// The number after one of `words` ("port 80", "on port 8080").
fn number_after(r: &Request, words: &[&str]) -> Option<u32> {
    r.tokens.windows(2).find_map(|w| {
        words
            .contains(&w[0].as_str())
            .then(|| number(&w[1]))
            .flatten()
    })
}

/// A port number, with or without kubectl's flag.
fn port(r: &Request, flag_name: &str, words: &[&str]) -> Result<Option<u16>, Planned> {
    let n = flag(r, flag_name)
        .map(|v| {
            v.parse::<u32>()
                .map_err(|_| Planned::Unplannable(format!("\"{v}\" is not a port number")))
        })
        .transpose()?
        .or_else(|| number_after(r, words));
    n.map(|n| {
        u16::try_from(n)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| Planned::Unplannable(format!("{n} is not a port (1-65535)")))
    })
    .transpose()
}

/// `KEY=VALUE` literals as typed (case kept), `--from-literal=` allowed.
fn literals(raw: &str) -> BTreeMap<String, String> {
    raw.split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '\'' | '`')))
        .map(|w| w.strip_prefix("--from-literal=").unwrap_or(w))
        .filter(|w| !w.starts_with('-'))
        .filter_map(|w| w.split_once('='))
        .filter(|(k, _)| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The name of the object to make: after "called"/"named", else right after the
/// kind word ("deployment web").
fn made_name(r: &Request, kind_at: usize, skip: &[String]) -> Option<String> {
    let toks = &r.tokens;
    let ok = |w: &String| is_name(w) && !skip.contains(w);
    toks.windows(2)
        .find_map(|w| matches!(w[0].as_str(), "called" | "named" | "--name").then(|| &w[1]))
        .filter(|w| ok(w))
        .or_else(|| toks.get(kind_at + 1).filter(|w| ok(w)))
        .or_else(|| {
            kind_at
                .checked_sub(1)
                .and_then(|i| toks.get(i))
                .filter(|w| ok(w))
        })
        .cloned()
}

/// Read a create request.
pub(super) fn creation(r: &Request) -> Result<Creation, Planned> {
    let (made, at) = made_kind(r).ok_or_else(|| {
        Planned::Unplannable(
            "What should I create: a deployment, a configmap, a secret or a namespace?".into(),
        )
    })?;
    let data = literals(&r.raw);
    // Keys and values of the literals are no names.
    let skip: Vec<String> = data
        .iter()
        .flat_map(|(k, v)| [k.to_lowercase(), v.to_lowercase()])
        .collect();
    let what = match made {
        Made::Deployment => "deployment",
        Made::ConfigMap => "configmap",
        Made::Secret => "secret",
        Made::Namespace => "namespace",
    };
    let name = made_name(r, at, &skip).ok_or_else(|| {
        Planned::Unplannable(format!(
            "What should the new {what} be called? e.g. \"create {what} web\"."
        ))
    })?;
    let mut c = Creation {
        made,
        name,
        image: None,
        replicas: None,
        port: None,
        data: BTreeMap::new(),
    };
    match made {
        Made::Deployment => {
            c.image = flag(r, "image")
                .map(str::to_string)
                .or_else(|| r.tokens.iter().find(|t| is_image(t)).cloned())
                .or_else(|| {
                    r.tokens
                        .windows(2)
                        .find_map(|w| (w[0] == "image").then(|| w[1].clone()))
                        .filter(|w| is_name(w))
                });
            if c.image.is_none() {
                return Err(Planned::Unplannable(format!(
                    "Which image should deployment {} run? e.g. \"create deployment {} with image nginx:1.25\".",
                    c.name, c.name
                )));
            }
            c.replicas = flag(r, "replicas").and_then(number).or_else(|| {
                r.tokens.windows(2).find_map(|w| {
                    matches!(
                        w[1].as_str(),
                        "replicas" | "replica" | "copies" | "instances"
                    )
                    .then(|| number(&w[0]))
                    .flatten()
                })
            });
            c.port = port(r, "port", &["port"])?;
        }
        Made::ConfigMap | Made::Secret => {
            if data.is_empty() {
                return Err(Planned::Unplannable(format!(
                    "Which keys and values should {what} {} hold? Write them as KEY=VALUE.",
                    c.name
                )));
            }
            c.data = data;
        }
        Made::Namespace => {}
    }
    Ok(c)
}

/// "expose web on port 80 [to|targeting 8080]".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Exposure {
    pub port: u16,
    pub target_port: Option<u16>,
}

pub(super) fn exposure(r: &Request) -> Result<Exposure, Planned> {
    let port = port(r, "port", &["port", "on"])?.ok_or_else(|| {
        Planned::Unplannable("On which port? e.g. \"expose web on port 80\".".into())
    })?;
    let target_port = port_target(r)?;
    Ok(Exposure { port, target_port })
}

fn port_target(r: &Request) -> Result<Option<u16>, Planned> {
    if let Some(p) = port(
        r,
        "target-port",
        &["target-port", "targetport", "targeting"],
    )? {
        return Ok(Some(p));
    }
    // "port 80 to 8080": the container's port after "to".
    Ok(r.tokens
        .windows(4)
        .find_map(|w| {
            (w[0] == "port" && number(&w[1]).is_some() && w[2] == "to")
                .then(|| number(&w[3]))
                .flatten()
        })
        .and_then(|n| u16::try_from(n).ok()))
}

/// "autoscale web between 2 and 5 at 70% cpu", "--min=2 --max=5 --cpu-percent=70".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Autoscaling {
    pub min: Option<u32>,
    pub max: u32,
    pub cpu_percent: Option<u32>,
}

pub(super) fn autoscaling(r: &Request) -> Result<Autoscaling, Planned> {
    let toks = &r.tokens;
    let range = toks.windows(4).find_map(|w| {
        let (a, b) = (number(&w[1])?, number(&w[3])?);
        matches!(
            (w[0].as_str(), w[2].as_str()),
            ("between", "and") | ("from", "to") | ("between", "to")
        )
        .then_some((a, b))
    });
    let min = flag(r, "min")
        .and_then(number)
        .or(range.map(|(a, _)| a))
        .or_else(|| number_after(r, &["min", "minimum", "least"]));
    let max = flag(r, "max")
        .and_then(number)
        .or(range.map(|(_, b)| b))
        .or_else(|| number_after(r, &["max", "maximum", "most"]))
        .ok_or_else(|| {
            Planned::Unplannable(
                "Up to how many replicas? e.g. \"autoscale web between 2 and 5 at 70% cpu\"."
                    .into(),
            )
        })?;
    let cpu_percent = flag(r, "cpu-percent").and_then(number).or_else(|| {
        toks.windows(2)
            .find_map(|w| (w[1] == "percent").then(|| number(&w[0])).flatten())
    });
    if min.is_some_and(|m| m > max) {
        return Err(Planned::Unplannable(format!(
            "The minimum ({}) is above the maximum ({max}).",
            min.unwrap_or_default()
        )));
    }
    Ok(Autoscaling {
        min,
        max,
        cpu_percent,
    })
}

/// Plan a request that makes an object, or `None` when it makes none.
pub(super) fn plan_creation(r: &Request) -> Result<Option<Operation>, Planned> {
    if !asks_to_create(r) {
        return Ok(None);
    }
    let c = creation(r)?;
    Ok(Some(match c.made {
        Made::Namespace => Operation::CreateNamespace(CreateNamespaceOp { name: c.name }),
        Made::ConfigMap => Operation::CreateConfigmap(CreateConfigMapOp {
            name: c.name,
            namespace: None,
            data: c.data,
        }),
        Made::Secret => Operation::CreateSecret(CreateSecretOp {
            name: c.name,
            namespace: None,
            data: SecretValues(c.data),
        }),
        Made::Deployment => Operation::CreateDeployment(CreateDeploymentOp {
            name: c.name,
            namespace: None,
            // creation() asks when the words give no image.
            image: c.image.unwrap_or_default(),
            replicas: c.replicas,
            port: c.port,
        }),
    }))
}

/// "expose web on port 80".
pub(super) fn plan_exposure(r: &Request, ctx: &PlanContext) -> Result<Option<Operation>, Planned> {
    if !r.any(&["expose", "publish"]) {
        return Ok(None);
    }
    let e = exposure(r)?;
    let t = need_target(r, ctx, "expose")?;
    Ok(Some(Operation::Expose(ExposeOp {
        target: t,
        port: e.port,
        target_port: e.target_port,
        name: None,
        service_type: None,
    })))
}

/// "autoscale web between 2 and 5 at 70% cpu"; the minimum is kubectl's 1 unless given.
pub(super) fn plan_autoscaling(
    r: &Request,
    ctx: &PlanContext,
) -> Result<Option<Operation>, Planned> {
    // A kind's name alone ("get hpa", "describe the autoscaler") names objects to read;
    // only the verb, or the noun with a verb that makes one, asks for a new autoscaler.
    let makes = r.any(&[
        "create",
        "add",
        "enable",
        "set",
        "setup",
        "configure",
        "attach",
        "put",
    ]);
    if !(r.has("autoscale") || (r.any(&["autoscaler", "autoscaling", "hpa"]) && makes)) {
        return Ok(None);
    }
    let a = autoscaling(r)?;
    let skip = ["autoscaler", "autoscaling", "hpa"];
    let t = target(r, ctx, &skip).ok_or_else(|| {
        Planned::Unplannable("Which workload should be autoscaled? e.g. \"autoscale web between 2 and 5 at 70% cpu\".".into())
    })?;
    Ok(Some(Operation::Autoscale(AutoscaleOp {
        target: t,
        min: a.min.unwrap_or(1),
        max: a.max,
        cpu_percent: a.cpu_percent,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::words::tokenize;

    fn req(text: &str) -> Request {
        Request::new(tokenize(text), text, None)
    }

    #[test]
    fn a_deployment_from_words_and_from_kubectl_flags() {
        let c = creation(&req(
            "create a deployment web with image nginx:1.25 and 3 replicas",
        ))
        .unwrap();
        assert_eq!((c.made, c.name.as_str()), (Made::Deployment, "web"));
        assert_eq!(c.image.as_deref(), Some("nginx:1.25"));
        assert_eq!(c.replicas, Some(3));
        let c = creation(&req(
            "create deployment api --image=api:3.1 --replicas=2 --port=8080",
        ))
        .unwrap();
        assert_eq!(
            (c.name.as_str(), c.replicas, c.port),
            ("api", Some(2), Some(8080))
        );
        assert!(matches!(
            creation(&req("create deployment web")),
            Err(Planned::Unplannable(_))
        ));
    }

    #[test]
    fn configmaps_and_secrets_keep_the_literals_as_typed() {
        let c = creation(&req("create a configmap app-config with LOG_LEVEL=debug")).unwrap();
        assert_eq!((c.made, c.name.as_str()), (Made::ConfigMap, "app-config"));
        assert_eq!(c.data.get("LOG_LEVEL").map(String::as_str), Some("debug"));
        let c = creation(&req(
            "create secret generic db --from-literal=password=s3cr=t",
        ))
        .unwrap();
        assert_eq!(c.made, Made::Secret);
        assert_eq!(c.data.get("password").map(String::as_str), Some("s3cr=t"));
        assert!(matches!(
            creation(&req("create configmap empty")),
            Err(Planned::Unplannable(_))
        ));
    }

    #[test]
    fn ports_and_autoscaling_ranges() {
        assert_eq!(
            exposure(&req("expose web on port 80")).unwrap(),
            Exposure {
                port: 80,
                target_port: None
            }
        );
        assert_eq!(
            exposure(&req("expose deploy/web --port 80 --target-port=8080")).unwrap(),
            Exposure {
                port: 80,
                target_port: Some(8080)
            }
        );
        assert!(exposure(&req("expose web on port 70000")).is_err());
        assert_eq!(
            autoscaling(&req("autoscale web between 2 and 5 at 70% cpu")).unwrap(),
            Autoscaling {
                min: Some(2),
                max: 5,
                cpu_percent: Some(70)
            }
        );
        assert!(autoscaling(&req("autoscale web from 6 to 2")).is_err());
    }
}
