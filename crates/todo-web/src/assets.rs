//! Static files compiled into the binary and served under content-addressed URLs,
//! so browsers may cache them for a year and still never run a stale copy.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::AppState;

/// The vendored htmx release (from the npm package `htmx.org`, file `dist/htmx.min.js`).
pub const HTMX_VERSION: &str = "2.0.11";
const HTMX: &[u8] = include_bytes!("../assets/htmx-2.0.11.min.js");
const APP_SCRIPT: &[u8] = include_bytes!("../assets/app.js");
const STYLESHEET: &[u8] = include_bytes!("../assets/style.css");
const ICON: &[u8] = include_bytes!("../assets/icon.svg");

/// Where the pages link each asset.
#[derive(Clone)]
pub struct AssetUrls {
    pub htmx: Arc<str>,
    pub app_script: Arc<str>,
    pub stylesheet: Arc<str>,
    pub icon: Arc<str>,
}

struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
}

/// The asset table: URL file name → content.
pub struct Assets {
    by_name: HashMap<String, Asset>,
    pub urls: AssetUrls,
}

impl Assets {
    pub fn new() -> Self {
        let mut by_name = HashMap::new();
        let mut add = |stem: &str,
                       ext: &str,
                       bytes: &'static [u8],
                       content_type: &'static str,
                       versioned: bool| {
            let name = if versioned {
                format!("{stem}.{ext}")
            } else {
                let hash = Sha256::digest(bytes);
                let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
                format!("{stem}.{short}.{ext}")
            };
            by_name.insert(
                name.clone(),
                Asset {
                    bytes,
                    content_type,
                },
            );
            Arc::<str>::from(format!("/assets/{name}"))
        };
        let urls = AssetUrls {
            // htmx's file name carries its pinned version, which changes whenever the file does.
            htmx: add(
                &format!("htmx-{HTMX_VERSION}.min"),
                "js",
                HTMX,
                "text/javascript; charset=utf-8",
                true,
            ),
            app_script: add(
                "app",
                "js",
                APP_SCRIPT,
                "text/javascript; charset=utf-8",
                false,
            ),
            stylesheet: add("style", "css", STYLESHEET, "text/css; charset=utf-8", false),
            icon: add("icon", "svg", ICON, "image/svg+xml", false),
        };
        Self { by_name, urls }
    }

    fn get(&self, name: &str) -> Option<&Asset> {
        self.by_name.get(name)
    }
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}

/// `GET /assets/{name}`.
pub async fn serve_asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match state.assets().get(&name) {
        Some(asset) => {
            let mut response = asset.bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            response
        }
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_content_addressed_and_resolvable() {
        let assets = Assets::new();
        assert_eq!(&*assets.urls.htmx, "/assets/htmx-2.0.11.min.js");
        for url in [
            &assets.urls.app_script,
            &assets.urls.stylesheet,
            &assets.urls.icon,
            &assets.urls.htmx,
        ] {
            let name = url.strip_prefix("/assets/").unwrap();
            assert!(assets.get(name).is_some(), "{url}");
        }
        assert!(assets.urls.stylesheet.len() > "/assets/style..css".len() + 8);
        assert!(
            assets.get("style.css").is_none(),
            "unhashed names are not served"
        );
    }
}
