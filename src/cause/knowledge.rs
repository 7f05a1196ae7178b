//! What PostgreSQL knows that the logs do not say: which extension provides a type, function or
//! operator class, and which PostgreSQL version a statement or function needs.

/// The extension that provides a type (lower case, without a type modifier).
pub(super) fn extension_of_type(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase();
    let n = n.rsplit('.').next().unwrap_or("");
    let n = n.split(['(', ' ', '[']).next().unwrap_or("");
    Some(match n {
        "hstore" => "hstore",
        "citext" => "citext",
        "geometry" | "geography" | "box2d" | "box3d" => "postgis",
        "raster" => "postgis_raster",
        "vector" | "halfvec" | "sparsevec" => "vector",
        "ltree" | "lquery" | "ltxtquery" => "ltree",
        "cube" => "cube",
        "earth" => "earthdistance",
        "isbn" | "isbn13" | "ean13" | "issn" | "issn13" | "ismn" | "upc" => "isn",
        "seg" => "seg",
        _ => return None,
    })
}

/// The extension that provides a function, or `None` for built-ins and unknown functions.
pub(super) fn extension_of_function(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase();
    let n = n.rsplit('.').next().unwrap_or("");
    let n = n.split('(').next().unwrap_or("").trim();
    Some(match n {
        "uuid_generate_v1" | "uuid_generate_v1mc" | "uuid_generate_v3" | "uuid_generate_v4"
        | "uuid_generate_v5" | "uuid_nil" | "uuid_ns_url" => "uuid-ossp",
        // Built in since PostgreSQL 13; pgcrypto before.
        "gen_random_uuid" | "gen_random_bytes" | "crypt" | "gen_salt" | "digest" | "hmac"
        | "pgp_sym_encrypt" | "pgp_sym_decrypt" => "pgcrypto",
        "similarity" | "word_similarity" | "strict_word_similarity" | "show_trgm" => "pg_trgm",
        "unaccent" => "unaccent",
        "levenshtein" | "soundex" | "metaphone" | "dmetaphone" | "difference" => "fuzzystrmatch",
        "earth_distance" | "ll_to_earth" | "earth_box" => "earthdistance",
        "hstore" | "akeys" | "avals" | "hstore_to_json" => "hstore",
        "uuid_generate_v7" => "pg_uuidv7",
        n if n.starts_with("st_") => "postgis",
        _ => return None,
    })
}

/// The extension that provides an operator class (index `USING gin (x gin_trgm_ops)`).
pub(super) fn extension_of_opclass(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase();
    Some(match n.as_str() {
        "gin_trgm_ops" | "gist_trgm_ops" => "pg_trgm",
        "vector_l2_ops" | "vector_ip_ops" | "vector_cosine_ops" | "vector_l1_ops"
        | "halfvec_l2_ops" | "halfvec_cosine_ops" => "vector",
        "gist_geometry_ops_2d" | "gist_geometry_ops_nd" | "gist_geography_ops" => "postgis",
        "gin_hstore_ops" | "gist_hstore_ops" => "hstore",
        "gist_ltree_ops" => "ltree",
        _ => return None,
    })
}

/// A built-in function that exists only from some PostgreSQL major version on.
pub(super) fn builtin_function_since(name: &str) -> Option<u32> {
    let n = name.trim().to_ascii_lowercase();
    let n = n.rsplit('.').next().unwrap_or("");
    let n = n.split('(').next().unwrap_or("").trim();
    Some(match n {
        "gen_random_uuid" => 13,
        "range_agg" | "range_intersect_agg" => 14,
        "any_value" => 16,
        "json_table" | "json_exists" | "json_query" | "json_value" => 17,
        "uuidv7" | "uuidv4" | "uuid_extract_version" => 18,
        _ => return None,
    })
}

/// Syntax found in a script (see `script::objects`) and the major version that introduced it.
pub(super) fn syntax_since(feature: &str) -> Option<u32> {
    Some(match feature {
        "NULLS NOT DISTINCT" => 15,
        "MERGE" => 15,
        "CREATE OR REPLACE TRIGGER" => 14,
        _ => return None,
    })
}

/// The token a syntax error points at when a server too old for `feature` reads it.
pub(super) fn syntax_error_token(feature: &str) -> &'static str {
    match feature {
        "NULLS NOT DISTINCT" => "NULLS",
        "MERGE" => "MERGE",
        "CREATE OR REPLACE TRIGGER" => "TRIGGER",
        _ => "",
    }
}

/// The major version in `server_version_num` (`110022` -> 11, `180004` -> 18) or in
/// `server_version` (`11.22 (Debian ...)`, `9.6.24`, `18beta1`).
pub(super) fn major_version(version: &str) -> Option<u32> {
    let v = version.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && v.len() >= 5 {
        let n: u32 = v.parse().ok()?;
        return Some(if n >= 100_000 { n / 10_000 } else { n / 100 });
    }
    let digits: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
    let major: u32 = digits.parse().ok()?;
    // 9.x: the major is "9.6"; treat every 9.x as 9, older than anything that matters here.
    Some(major)
}
