//! `GET /` and `GET /console/{file}`: the web console, plain HTML, CSS and JavaScript modules
//! embedded in the binary (from `crates/api/console/`). It only calls the API, like any client.

use crate::error::ApiError;
use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{web, HttpRequest, HttpResponse};

/// No inline script or style, nothing from another origin; charts are fetched as blobs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' blob:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// An embedded file of `crates/api/console/`.
macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../../console/", $name)),
        }
    };
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

const INDEX: Asset = asset!("index.html", "text/html; charset=utf-8");

const ASSETS: &[Asset] = &[
    asset!("console.css", "text/css; charset=utf-8"),
    asset!("app.js", JAVASCRIPT),
    asset!("api.js", JAVASCRIPT),
    asset!("access.js", JAVASCRIPT),
    asset!("render.js", JAVASCRIPT),
    asset!("confirm.js", JAVASCRIPT),
    asset!("rejects.js", JAVASCRIPT),
    asset!("favicon.svg", "image/svg+xml"),
];

/// Whether `path` (as the router matches it) is the console page or one of its files: they hold
/// no data, so they are served without a token even when reads are protected (the page is where
/// the user types the token).
pub(crate) fn serves(path: &str) -> bool {
    path == "/"
        || path
            .strip_prefix("/console/")
            .is_some_and(|file| ASSETS.iter().any(|a| a.name == file))
}

/// The console page.
pub async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, &INDEX)
}

/// A script, style sheet or icon of the console.
pub async fn asset(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == file.as_str())
        .ok_or_else(|| ApiError::NotFound(req.path().to_owned()))?;
    Ok(serve(&req, asset))
}

/// The file with its type and security headers; revalidated on every use (`no-cache`) against
/// its ETag, so an upgraded binary is picked up at once and an unchanged file costs a 304.
fn serve(req: &HttpRequest, asset: &Asset) -> HttpResponse {
    let tag = EntityTag::new_strong(format!("{:016x}", fnv1a(asset.body)));
    let unchanged = match req.headers().get(header::IF_NONE_MATCH) {
        Some(_) => match <IfNoneMatch as header::Header>::parse(req) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&tag)),
            Err(_) => false,
        },
        None => false,
    };
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(header::ETag(tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    if unchanged {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.body)
}

/// The 64-bit FNV-1a hash: a stable fingerprint of a file's bytes for its ETag.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_page_names_is_served() {
        let page = std::str::from_utf8(INDEX.body).unwrap();
        for asset in ASSETS {
            let named = page.contains(&format!("/console/{}", asset.name))
                || ASSETS.iter().any(|a| {
                    std::str::from_utf8(a.body)
                        .is_ok_and(|text| text.contains(&format!("./{}", asset.name)))
                });
            assert!(named, "{} is never used", asset.name);
        }
        assert!(!page.contains("<script>"), "no inline script");
        assert!(!page.contains("style="), "no inline style");
    }

    #[test]
    fn only_the_page_and_its_files_are_the_console() {
        assert!(serves("/"));
        for asset in ASSETS {
            assert!(
                serves(&format!("/console/{}", asset.name)),
                "{}",
                asset.name
            );
        }
        for other in [
            "",
            "//",
            "/console",
            "/console/",
            "/console/missing.js",
            "/console/app.js/",
            "/console/../api/v1/backups",
            "/console/app.js/../../api/v1/rejects",
            "/index.html",
            "/api/v1/rejects",
            "/health",
        ] {
            assert!(!serves(other), "{other}");
        }
    }

    #[test]
    fn the_fingerprint_is_fnv1a() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
