//! The server-rendered web frontend driven like a browser without JavaScript: fetch a page,
//! find a form, fill it (keeping hidden fields such as the CSRF token), submit it with the
//! session cookie, follow redirects, and look for text on the page.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::{StatusCode, Url, header};

use super::{AppTestError, Result, fail, note};

/// One form of a page: its attributes and its fields (tag name and attributes each).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Form {
    pub attrs: BTreeMap<String, String>,
    pub fields: Vec<(String, BTreeMap<String, String>)>,
}

impl Form {
    fn named_fields(&self) -> impl Iterator<Item = &(String, BTreeMap<String, String>)> {
        self.fields.iter().filter(|(_, a)| a.contains_key("name"))
    }
}

/// The forms of an HTML page (start tags only; what a form needs is in its attributes).
pub fn parse_forms(page: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    let mut open = false;
    let mut rest = page;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end.min(rest.len())..];
        let closing = tag.starts_with('/');
        let tag = tag.trim_start_matches('/');
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("form", false) => {
                forms.push(Form {
                    attrs: parse_attrs(&tag[name_end..]),
                    fields: Vec::new(),
                });
                open = true;
            }
            ("form", true) => open = false,
            ("input" | "textarea" | "select" | "button", false) if open => {
                if let Some(form) = forms.last_mut() {
                    form.fields.push((name, parse_attrs(&tag[name_end..])));
                }
            }
            _ => {}
        }
    }
    forms
}

/// `name="value" name='value' name=value name` of a start tag, entities decoded.
fn parse_attrs(text: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    let mut chars = text.trim_end_matches('/').char_indices().peekable();
    let s = text.trim_end_matches('/');
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let name_start = i;
        let mut name_end = s.len();
        while let Some(&(j, c)) = chars.peek() {
            if c.is_whitespace() || c == '=' {
                name_end = j;
                break;
            }
            chars.next();
        }
        let name = s[name_start..name_end].to_ascii_lowercase();
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek().is_some_and(|&(_, c)| c == '=') {
            chars.next();
            while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
                chars.next();
            }
            match chars.peek().map(|&(_, c)| c) {
                Some(q @ ('"' | '\'')) => {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == q {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some(&(_, c)) = chars.peek() {
                        if c.is_whitespace() {
                            break;
                        }
                        value.push(c);
                        chars.next();
                    }
                }
            }
        }
        if !name.is_empty() {
            attrs.insert(name, decode_entities(&value));
        }
    }
    attrs
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A browser session on the frontend: cookies kept across requests and redirects.
pub struct Browser {
    base: Url,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

/// A fetched page: status, final URL after redirects, body.
struct Page {
    status: StatusCode,
    url: Url,
    body: String,
}

impl Browser {
    pub fn new(base: &str) -> Result<Self> {
        let base = Url::parse(base)
            .map_err(|e| AppTestError::Check(format!("frontend URL {base:?}: {e}")))?;
        Ok(Self {
            base,
            http: super::api::http_client(Duration::from_secs(15))?,
            cookies: BTreeMap::new(),
        })
    }

    /// The session's `Cookie` header value.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, headers: &header::HeaderMap) {
        for value in headers.get_all(header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || text.to_ascii_lowercase().contains("max-age=0") {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_string(), value.trim().to_string());
                }
            }
        }
    }

    /// GET (or POST a form to) `url`, following up to 10 redirects with the cookies.
    async fn request(
        &mut self,
        url: Url,
        form: Option<Vec<(String, String)>>,
        hx: bool,
    ) -> Result<Page> {
        let origin = self.base.as_str().trim_end_matches('/').to_string();
        let mut url = url;
        let mut form = form;
        for _ in 0..10 {
            let mut req = match &form {
                Some(fields) => self
                    .http
                    .post(url.clone())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(serde_urlencoded::to_string(fields).unwrap_or_default()),
                None => self.http.get(url.clone()),
            };
            req = req
                .header(header::ORIGIN, &origin)
                .header(header::REFERER, format!("{origin}/"));
            if hx {
                req = req.header("HX-Request", "true");
            }
            if !self.cookies.is_empty() {
                req = req.header(header::COOKIE, self.cookie_header());
            }
            let resp = req.send().await?;
            self.keep_cookies(resp.headers());
            let status = resp.status();
            if status.is_redirection() {
                let Some(location) = resp
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                else {
                    return fail(format!("{url} -> {status} without a Location"));
                };
                url = url
                    .join(location)
                    .map_err(|e| AppTestError::Check(format!("redirect to {location:?}: {e}")))?;
                form = None; // 302/303 after a POST: the browser GETs the new location
                continue;
            }
            let body = resp.text().await?;
            return Ok(Page { status, url, body });
        }
        fail(format!("more than 10 redirects from {url}"))
    }

    async fn get(&mut self, path: &str) -> Result<Page> {
        let url = self
            .base
            .join(path)
            .map_err(|e| AppTestError::Check(format!("path {path:?}: {e}")))?;
        self.request(url, None, false).await
    }

    /// Submits `form` of the page at `page_url`: its own fields (unchecked boxes and buttons
    /// left out) overridden by `values`.
    async fn submit(
        &mut self,
        page_url: &Url,
        form: &Form,
        values: &[(String, String)],
    ) -> Result<Page> {
        let mut data: Vec<(String, String)> = Vec::new();
        for (tag, a) in form.named_fields() {
            let kind = a.get("type").map_or("text", String::as_str);
            if tag == "input" && matches!(kind, "checkbox" | "radio") && !a.contains_key("checked")
            {
                continue;
            }
            if tag == "button" || kind == "submit" {
                continue;
            }
            let name = a["name"].clone();
            if values.iter().any(|(n, _)| *n == name) || data.iter().any(|(n, _)| *n == name) {
                continue;
            }
            data.push((name, a.get("value").cloned().unwrap_or_default()));
        }
        data.extend(values.iter().cloned());
        let action = form
            .attrs
            .get("action")
            .or_else(|| form.attrs.get("hx-post"))
            .filter(|a| !a.is_empty())
            .map_or_else(|| Ok(page_url.clone()), |a| page_url.join(a))
            .map_err(|e| AppTestError::Check(format!("form action: {e}")))?;
        let hx = form.attrs.contains_key("hx-post");
        self.request(action, Some(data), hx).await
    }

    /// Signs up through the first page among /signup, /register, /auth/signup, / that has a
    /// sign-up form (a password field and a name field; a login form has no name).
    pub async fn signup(&mut self, email: &str, password: &str, name: &str) -> Result<()> {
        for path in ["/signup", "/register", "/auth/signup", "/"] {
            let page = self.get(path).await?;
            if page.status != StatusCode::OK {
                continue;
            }
            for form in parse_forms(&page.body) {
                let fields: Vec<_> = form.named_fields().cloned().collect();
                let has_password = fields
                    .iter()
                    .any(|(_, a)| a.get("type").is_some_and(|t| t == "password"));
                let has_name = fields.iter().any(|(_, a)| {
                    let n = a["name"].to_lowercase();
                    n == "name" || n.contains("display")
                });
                if !has_password || !has_name {
                    continue;
                }
                let mut values = Vec::new();
                for (_, a) in &fields {
                    let n = &a["name"];
                    let kind = a.get("type").map_or("text", String::as_str);
                    let lower = n.to_lowercase();
                    if kind == "password" {
                        values.push((n.clone(), password.to_string()));
                    } else if lower.contains("email") || kind == "email" {
                        values.push((n.clone(), email.to_string()));
                    } else if ["name", "display_name", "displayname", "full_name"]
                        .contains(&lower.as_str())
                    {
                        values.push((n.clone(), name.to_string()));
                    }
                }
                let answer = self.submit(&page.url, &form, &values).await?;
                ensure!(
                    answer.status.as_u16() < 400,
                    "signup form at {} -> {}: {}",
                    page.url,
                    answer.status,
                    answer.body.chars().take(300).collect::<String>()
                );
                note(format!(
                    "web: signup via {} -> {} {}",
                    page.url, answer.status, answer.url
                ));
                return Ok(());
            }
        }
        fail("no sign-up form found (looked at /signup, /register, /auth/signup, /)")
    }

    /// Sends a chat message through the chat form of / (a textarea, else a visible text
    /// input named like a message; suggestion buttons carry a hidden one and rank last).
    pub async fn chat(&mut self, message: &str) -> Result<()> {
        let page = self.get("/").await?;
        ensure!(
            page.status == StatusCode::OK,
            "GET / after signup -> {}",
            page.status
        );
        let mut best: Option<(u8, Form, String)> = None;
        for form in parse_forms(&page.body) {
            for (tag, a) in form.named_fields() {
                let n = a["name"].to_lowercase();
                if !["message", "msg", "chat", "prompt", "content"].contains(&n.as_str()) {
                    continue;
                }
                let rank = if tag == "textarea" {
                    0
                } else if a.get("type").map_or("text", String::as_str) == "text" {
                    1
                } else {
                    2
                };
                if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
                    best = Some((rank, form.clone(), a["name"].clone()));
                }
            }
        }
        let Some((_, form, name)) = best else {
            return fail("no chat form (a textarea or input named message) on /");
        };
        let answer = self
            .submit(&page.url, &form, &[(name, message.to_string())])
            .await?;
        ensure!(
            answer.status.as_u16() < 400,
            "chat form -> {}: {}",
            answer.status,
            answer.body.chars().take(300).collect::<String>()
        );
        note(format!("web: chat '{message}' -> {}", answer.status));
        Ok(())
    }

    /// `text` (any case) is on the page at /.
    pub async fn expect_on_page(&mut self, text: &str) -> Result<()> {
        let page = self.get("/").await?;
        ensure!(
            page.status == StatusCode::OK
                && page.body.to_lowercase().contains(&text.to_lowercase()),
            "GET / -> {}; '{text}' not on the page",
            page.status
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_forms;

    #[test]
    fn forms_fields_and_attributes_are_parsed() {
        let page = r#"<html><form method="post" action="/signup?x=1&amp;y=2">
            <input type="hidden" name="csrf" value="a&amp;b">
            <input type=email name=email required>
            <input type='password' name='password'/>
            <button type="submit">Go</button></form>
            <input name="outside"><FORM hx-post="/chat"><textarea name="message"></textarea></FORM>"#;
        let forms = parse_forms(page);
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0].attrs["action"], "/signup?x=1&y=2");
        assert_eq!(forms[0].fields.len(), 4);
        assert_eq!(forms[0].fields[0].1["value"], "a&b");
        assert_eq!(forms[0].fields[1].1["type"], "email");
        assert!(forms[0].fields[1].1.contains_key("required"));
        assert_eq!(forms[0].fields[2].1["type"], "password");
        assert_eq!(forms[1].attrs["hx-post"], "/chat");
        assert_eq!(
            forms[1].fields,
            vec![(
                "textarea".to_string(),
                [("name".to_string(), "message".to_string())].into()
            )]
        );
    }
}
