//! Attachments over HTTP: `POST /upload?name=..&mime=..` with the bytes as
//! the body, `GET /files/{id}` to download; both need `Authorization: Bearer
//! <token>` (the same tokens as the WebSocket). Ids are 128 random bits.
//! Files live under the data directory's `files/`, or in memory.

use super::Shared;
use crate::runtime::wall_clock;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use natter_core::body::Attachment;
use natter_core::server::token;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where attachments are kept.
#[derive(Debug)]
pub(crate) struct Files {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<String, (Vec<u8>, String)>>,
    pub(crate) max: usize,
}

impl Files {
    pub(crate) fn new(dir: Option<PathBuf>, max: usize) -> io::Result<Files> {
        if let Some(d) = &dir {
            std::fs::create_dir_all(d)?;
        }
        Ok(Files {
            dir,
            memory: Mutex::new(HashMap::new()),
            max,
        })
    }
}

fn random_id() -> Result<String, StatusCode> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> Result<(), StatusCode> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    token::verify(&shared.secret, bearer, wall_clock())
        .map(drop)
        .map_err(|_| StatusCode::UNAUTHORIZED)
}

pub(crate) async fn upload(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Response, StatusCode> {
    authorized(&shared, &headers)?;
    if body.len() > shared.files.max {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let id = random_id()?;
    let name = params.get("name").cloned().unwrap_or_else(|| "file".into());
    let mime = params
        .get("mime")
        .cloned()
        .unwrap_or_else(|| "application/octet-stream".into());
    match &shared.files.dir {
        Some(dir) => {
            tokio::fs::write(dir.join(&id), &body)
                .await
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
            tokio::fs::write(dir.join(format!("{id}.mime")), &mime)
                .await
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        }
        None => {
            let mut memory = shared
                .files
                .memory
                .lock()
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
            memory.insert(id.clone(), (body.to_vec(), mime.clone()));
        }
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let attachment = {
        let mut f = Attachment::default();
        f.url = format!("http://{host}/files/{id}");
        f.name = name;
        f.size = body.len() as u64;
        f.mime = Some(mime);
        f
    };
    let json = serde_json::to_vec(&attachment).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

pub(crate) async fn download(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, StatusCode> {
    authorized(&shared, &headers)?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StatusCode::NOT_FOUND);
    }
    let (bytes, mime) = match &shared.files.dir {
        Some(dir) => {
            let bytes = tokio::fs::read(dir.join(&id))
                .await
                .map_err(|_| StatusCode::NOT_FOUND)?;
            let mime = tokio::fs::read_to_string(dir.join(format!("{id}.mime")))
                .await
                .unwrap_or_default();
            (bytes, mime)
        }
        None => {
            let memory = shared
                .files
                .memory
                .lock()
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
            memory.get(&id).cloned().ok_or(StatusCode::NOT_FOUND)?
        }
    };
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}
