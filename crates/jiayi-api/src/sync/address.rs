//! The address policy: which server addresses a device may enroll with.

use jiayi_core::Lang;

use crate::error::{ApiError, ApiResult};

/// Checks a server address: https anywhere, plain http only to this computer.
pub fn check_server_url(url: &str, lang: Lang) -> ApiResult<String> {
    let url = url.trim().trim_end_matches('/').to_string();
    let lower = url.to_ascii_lowercase();
    let bad = || {
        ApiError::new(
            "invalid_server_url",
            "服务器地址格式不对，应类似 https://wsy.example.cn 或 https://10.1.2.3:8470。",
            "The server address is not valid; it should look like https://wsy.example.cn or https://10.1.2.3:8470.",
        )
        .localised(lang)
    };
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(bad());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(bad());
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, _)) => h,
            None => return Err(bad()),
        }
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    if host.is_empty() {
        return Err(bad());
    }
    if !secure && !jiayi_sync::enrollment::is_loopback_host(host) {
        return Err(ApiError::new(
            "insecure_server_url",
            "为保护居民信息，只能通过 https:// 连接乡镇服务器（http:// 仅限本机测试）。",
            "To protect residents' data the township server must be reached over https:// (plain http:// only for this computer).",
        )
        .localised(lang));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_plain_http_only_on_this_computer() {
        for ok in [
            "https://wsy.example.cn",
            "https://10.1.2.3:8470/",
            "http://127.0.0.1:8470",
            "http://localhost:9000",
            "http://[::1]:8470",
            "HTTPS://WSY.EXAMPLE.CN",
        ] {
            assert!(check_server_url(ok, Lang::Zh).is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("http://10.1.2.3:8470", "insecure_server_url"),
            ("http://wsy.example.cn", "insecure_server_url"),
            ("http://127.0.0.1.evil.cn", "insecure_server_url"),
            ("ftp://wsy.example.cn", "invalid_server_url"),
            ("wsy.example.cn", "invalid_server_url"),
            ("https://", "invalid_server_url"),
            ("http://user@127.0.0.1", "invalid_server_url"),
        ] {
            let e = check_server_url(bad, Lang::Zh).unwrap_err();
            assert_eq!(e.code, code, "{bad}");
        }
        let e = check_server_url("http://10.0.0.1", Lang::Zh).unwrap_err();
        assert!(e.message.contains("https://"), "{}", e.message);
    }
}
