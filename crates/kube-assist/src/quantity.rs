//! Kubernetes resource quantities (`250m`, `0.5`, `512Mi`, `1G`) as numbers, and
//! back to the notation people write.

/// CPU in millicores.
pub fn parse_cpu_millis(q: &str) -> Option<u64> {
    let q = q.trim();
    if let Some(m) = q.strip_suffix('m') {
        return m
            .parse::<f64>()
            .ok()
            .filter(|v| *v >= 0.0)
            .map(|v| v.ceil() as u64);
    }
    if let Some(n) = q.strip_suffix('n') {
        return n
            .parse::<f64>()
            .ok()
            .filter(|v| *v >= 0.0)
            .map(|v| (v / 1_000_000.0).ceil() as u64);
    }
    if let Some(u) = q.strip_suffix('u') {
        return u
            .parse::<f64>()
            .ok()
            .filter(|v| *v >= 0.0)
            .map(|v| (v / 1000.0).ceil() as u64);
    }
    q.parse::<f64>()
        .ok()
        .filter(|v| *v >= 0.0)
        .map(|v| (v * 1000.0).round() as u64)
}

/// Memory in bytes.
pub fn parse_memory_bytes(q: &str) -> Option<u64> {
    let q = q.trim();
    const UNITS: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
    ];
    for (suffix, factor) in UNITS {
        if let Some(n) = q.strip_suffix(suffix) {
            return n
                .parse::<f64>()
                .ok()
                .filter(|v| *v >= 0.0)
                .map(|v| (v * factor).round() as u64);
        }
    }
    if let Some(m) = q.strip_suffix('m') {
        // "millibytes" exist in the API; round up to whole bytes.
        return m
            .parse::<f64>()
            .ok()
            .filter(|v| *v >= 0.0)
            .map(|v| (v / 1000.0).ceil() as u64);
    }
    q.parse::<f64>()
        .ok()
        .filter(|v| *v >= 0.0)
        .map(|v| v.round() as u64)
}

/// Millicores as `250m`, or whole cores as `2`.
pub fn format_cpu(millis: u64) -> String {
    if millis >= 1000 && millis.is_multiple_of(1000) {
        format!("{}", millis / 1000)
    } else {
        format!("{millis}m")
    }
}

/// Bytes as whole `Mi` (or `Gi` when exact), rounded up.
pub fn format_memory(bytes: u64) -> String {
    let mi = bytes.div_ceil(1048576).max(1);
    if mi >= 1024 && mi.is_multiple_of(1024) {
        format!("{}Gi", mi / 1024)
    } else {
        format!("{mi}Mi")
    }
}

/// True for text that is a valid CPU quantity.
pub fn is_cpu(q: &str) -> bool {
    parse_cpu_millis(q).is_some()
}

/// True for text that is a valid memory quantity with a unit, or plain bytes.
pub fn is_memory(q: &str) -> bool {
    parse_memory_bytes(q).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities() {
        assert_eq!(parse_cpu_millis("250m"), Some(250));
        assert_eq!(parse_cpu_millis("0.5"), Some(500));
        assert_eq!(parse_cpu_millis("2"), Some(2000));
        assert_eq!(parse_cpu_millis("1500000n"), Some(2));
        assert_eq!(parse_cpu_millis("lots"), None);
        assert_eq!(format_cpu(250), "250m");
        assert_eq!(format_cpu(2000), "2");
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(parse_memory_bytes("512Mi"), Some(512 * 1048576));
        assert_eq!(parse_memory_bytes("1Gi"), Some(1073741824));
        assert_eq!(parse_memory_bytes("1G"), Some(1_000_000_000));
        assert_eq!(parse_memory_bytes("1000"), Some(1000));
        assert_eq!(parse_memory_bytes("-1Mi"), None);
        assert_eq!(format_memory(300 * 1048576 + 1), "301Mi");
        assert_eq!(format_memory(2 * 1073741824), "2Gi");
    }
}
