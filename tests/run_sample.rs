//! The whole run on the sample data in `data/`, through the real binary.

mod common;

use std::collections::HashMap;

use common::*;

fn sample_run(threads: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let config = repo().join("config.toml");
    run_into(&config, &out, &["--threads", threads]);
    (tmp, out)
}

#[test]
fn sample_run_writes_every_table() {
    let (_tmp, out) = sample_run("2");
    for table in [
        "articles.csv",
        "article_topics.csv",
        "topics_by_group.csv",
        "topic_comparison.csv",
        "terms_by_group.csv",
        "keyness.csv",
        "languages.csv",
        "rejected.csv",
        "duplicates.csv",
        "manifest.json",
    ] {
        assert!(out.join(table).is_file(), "{table} missing");
    }
    let articles = read_csv(&out.join("articles.csv"));
    assert_eq!(articles.len(), 44);
    let outlets: std::collections::BTreeSet<&str> =
        articles.iter().map(|a| a["outlet"].as_str()).collect();
    assert_eq!(outlets.len(), 22);
    assert!(read_csv(&out.join("rejected.csv")).is_empty());

    // every article's detected language is the one it was written in
    let by_outlet_lang: HashMap<&str, &str> = [
        ("alpenpost", "de"),
        ("baltiysky-listok.example", "ru"),
        ("bogaz-postasi", "tr"),
        ("chornomorska-hazeta.example", "uk"),
        ("correio-do-atlantico", "pt"),
        ("dniprovi-visti", "uk"),
        ("dongfang-chenbao", "zh"),
        ("eastbridge-post.example", "en"),
        ("el-faro-diario", "es"),
        ("gazzetta-del-molo", "it"),
        ("haixia-ribao", "zh"),
        ("harbor-ledger", "en"),
        ("harbour-times.example", "en"),
        ("kurier-wislany", "pl"),
        ("kyivskyi-poshtar.example", "uk"),
        ("le-veilleur", "fr"),
        ("northgate-wire", "en"),
        ("rheinblick", "de"),
        ("rheinpfalz-abendblatt.example", "de"),
        ("rt-france", "fr"),
        ("vestnik-severa", "ru"),
        ("volzhsky-vestnik.example", "ru"),
    ]
    .into();
    for a in &articles {
        assert_eq!(
            a["language"],
            by_outlet_lang[a["outlet"].as_str()],
            "{}",
            a["article_id"]
        );
    }
    // sources.csv joined the country onto articles that had none
    let seed = articles
        .iter()
        .find(|a| a["outlet"] == "rt-france")
        .unwrap();
    assert_eq!(seed["country"], "RU");

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["articles"]["analysed"], 44);
    assert_eq!(manifest["counts"]["articles"]["rejected"], 0);
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 29);
    assert_eq!(manifest["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    assert!(manifest["analysis"]["by_language"]["fr"]["stopwords"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w == "les"));
}

/// The seed article (RT France), counted by hand from its text:
/// - syria 9: Syrie ×3 ("violence en Syrie", "nord de la Syrie", "crise en Syrie"), Astana,
///   "zone de désescalade", Idleb, Homs, Ghouta, Damas;
/// - north_korea 3: "nord-coréennes", Pyongyang, #CoreeduNord;
/// - sanctions 2: "les sanctions sans cesse plus fortes", "la guerre des sanctions";
/// - un_general_assembly 4: "Assemblée générale" in the title and three times in the body;
/// - lavrov 4 and tillerson 4: "Lavrov-Tillerson" in the title and three full names;
/// - putin 3: "Poutine" in the embedded tweet and twice in the body; trump 2; zakharova 1;
/// - diplomatic_missions 3: consulat, "présence diplomatique", "personnel diplomatique";
/// - us_russia_relations 1: "relations entre Washington et Moscou";
/// - geneva_process 1: "processus politique de Genève" (one match: the longest term wins);
/// - ukraine_minsk 2: Minsk, Ukraine.
#[test]
fn seed_article_topics_match_a_hand_count() {
    let (_tmp, out) = sample_run("2");
    let articles = read_csv(&out.join("articles.csv"));
    let seed = articles
        .iter()
        .find(|a| a["outlet"] == "rt-france")
        .unwrap();
    assert_eq!(seed["language"], "fr");
    assert!(seed["language_confidence"].parse::<f64>().unwrap() > 0.9);
    let id = seed["article_id"].clone();
    assert_eq!(id, "articles/rt-france/000_4add2c01ef8e9419.txt");

    let hits: HashMap<String, u64> = read_csv(&out.join("article_topics.csv"))
        .into_iter()
        .filter(|r| r["article_id"] == id)
        .map(|r| (r["topic"].clone(), r["hits"].parse().unwrap()))
        .collect();
    let expected: HashMap<String, u64> = [
        ("syria", 9),
        ("north_korea", 3),
        ("sanctions", 2),
        ("un_general_assembly", 4),
        ("lavrov", 4),
        ("tillerson", 4),
        ("putin", 3),
        ("trump", 2),
        ("zakharova", 1),
        ("diplomatic_missions", 3),
        ("us_russia_relations", 1),
        ("geneva_process", 1),
        ("ukraine_minsk", 2),
    ]
    .into_iter()
    .map(|(t, n)| (t.to_string(), n))
    .collect();
    assert_eq!(hits, expected);

    // the outlet's row in topics_by_group agrees (the seed is rt-france's only article)
    let rows = read_csv(&out.join("topics_by_group.csv"));
    let syria = rows
        .iter()
        .find(|r| r["outlet"] == "rt-france" && r["topic"] == "syria")
        .unwrap();
    assert_eq!(syria["hits"], "9");
    assert_eq!(syria["articles_mentioning"], "1");
    assert_eq!(syria["share_articles"], "1.0");
    let words: f64 = seed["words"].parse().unwrap();
    let per_1k: f64 = syria["per_1k_words"].parse().unwrap();
    assert!((per_1k - 9000.0 / words).abs() < 1e-6);

    // the wide table has one column per outlet and, by default, the share of its articles
    // that mention the topic: le-veilleur's three articles, one of them on Syria
    let wide = read_csv(&out.join("topic_comparison.csv"));
    let syria_wide = wide.iter().find(|r| r["topic"] == "syria").unwrap();
    assert_eq!(syria_wide["rt-france"], "1.0");
    let veilleur = rows
        .iter()
        .find(|r| r["outlet"] == "le-veilleur" && r["topic"] == "syria")
        .unwrap();
    assert_eq!(veilleur["articles"], "3");
    assert_eq!(syria_wide["le-veilleur"], veilleur["share_articles"]);
    assert_eq!(syria_wide.len(), 23); // topic + 22 outlets
}

/// The Traditional Chinese and the Turkish sample articles, counted by hand: the shipped
/// Simplified terms hit Traditional text (拉夫羅夫, 敘利亞, 降級區, 伊德利卜), and Turkish globs
/// see through the apostrophe suffixes (Suriye'deki, Lavrov'un, Kurulu'nun).
#[test]
fn traditional_chinese_and_turkish_sample_articles_match_a_hand_count() {
    let (_tmp, out) = sample_run("2");
    let topics = read_csv(&out.join("article_topics.csv"));
    let hits = |id: &str| -> HashMap<String, String> {
        topics
            .iter()
            .filter(|r| r["article_id"] == id)
            .map(|r| (r["topic"].clone(), r["hits"].clone()))
            .collect()
    };
    let expected = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(t, n)| (t.to_string(), n.to_string()))
            .collect()
    };
    assert_eq!(
        hits("hxrb-1"),
        expected(&[
            ("syria", "5"),
            ("lavrov", "3"),
            ("tillerson", "2"),
            ("geneva_process", "1"),
            ("un_general_assembly", "1"),
            ("us_russia_relations", "1"),
        ])
    );
    assert_eq!(
        hits("bp-1"),
        expected(&[
            ("syria", "3"),
            ("lavrov", "3"),
            ("tillerson", "2"),
            ("geneva_process", "1"),
            ("un_general_assembly", "1"),
        ])
    );
    // the Traditional article keeps its detected language; the manifest says folding is on
    let articles = read_csv(&out.join("articles.csv"));
    let tw = articles
        .iter()
        .find(|a| a["article_id"] == "hxrb-1")
        .unwrap();
    assert_eq!(tw["language"], "zh");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["config"]["text"]["fold_chinese"], true);
    assert!(manifest["analysis"]["by_language"]["zh"]["folds"]
        .as_str()
        .unwrap()
        .starts_with("Traditional Chinese to Simplified"));
}

#[test]
fn terms_carry_their_most_frequent_surface_form() {
    let (_tmp, out) = sample_run("1");
    let terms = read_csv(&out.join("terms_by_group.csv"));
    let sanction = terms
        .iter()
        .find(|r| r["outlet"] == "le-veilleur" && r["term"] == "sanction")
        .unwrap();
    // "sanctions" ×5 in le-veilleur's three articles, never "sanction"
    assert_eq!(sanction["display"], "sanctions");
    assert_eq!(sanction["count"], "5");
    assert_eq!(sanction["articles_mentioning"], "2");
    // Chinese yields bigram terms
    assert!(terms
        .iter()
        .any(|r| r["outlet"] == "dongfang-chenbao" && r["term"] == "会晤"));
}

#[test]
fn output_is_identical_across_thread_counts() {
    let (_a, one) = sample_run("1");
    let (_b, two) = sample_run("2");
    for table in newsprism::write::TABLE_FILES {
        let x = std::fs::read(one.join(table)).unwrap();
        let y = std::fs::read(two.join(table)).unwrap();
        assert!(x == y, "{table} differs between --threads 1 and 2");
    }
}

#[test]
fn check_names_a_typo_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        "[run]\ninputs = [\".\"]\n\n[text]\nstopwrods = false\n",
    )
    .unwrap();
    let out = newsprism(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml:5")
            && err.contains("stopwrods")
            && err.contains("did you mean `stopwords`?"),
        "{err}"
    );
}

#[test]
fn check_accepts_the_shipped_config() {
    let config = repo().join("config.toml");
    let out = run_ok(&["check", "--config", config.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("8 topics, 6 actors"), "{text}");
    // a language with terms for only some topics is said before any run, once
    let he = "warning: he: 5 of 14 topics have terms (none for de_mistura, diplomatic_missions, \
              geneva_process, north_korea, sanctions, syria, ukraine_minsk, un_general_assembly, \
              us_russia_relations)";
    assert_eq!(text.matches(he).count(), 1, "{text}");
    assert!(
        !text.contains("warning: fr:") && !text.contains("warning: tr:"),
        "{text}"
    );
}

#[test]
fn usage_and_config_errors_exit_2_other_failures_1() {
    assert_eq!(newsprism(&["run", "--bogus"]).status.code(), Some(2));
    assert_eq!(
        newsprism(&["run", "--config", "/no/such/config.toml"])
            .status
            .code(),
        Some(2)
    );
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let config = repo().join("config.toml");
    // the output folder's parent is a file: the run cannot write, which is not a config error
    let out = newsprism(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--output",
        blocker.join("run").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(newsprism(&["--version"]).status.success());
}

#[test]
fn config_errors_stop_run_and_check_with_exit_2_naming_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("in")).unwrap();
    let cases: [(&str, &str, &[&str]); 7] = [
        ("[run]\ninputs = [\"in\"]\ngroup_by = [\"outlett\"]\n", "c.toml:3", &["outlett", "did you mean `outlet`?"]),
        ("[run]\ninputs = [\"in\"]\n[language]\nmin_confidence = \"high\"\n", "c.toml:4", &["min_confidence", "invalid type"]),
        ("[run]\ninputs = [\"in\"]\n[language]\nallow = [\"fr\", \"ua\"]\n", "c.toml:4", &["unknown language code \"ua\"", "did you mean"]),
        ("[run]\ninputs = [\"in\"]\n[[topics]]\nid = \"a\"\nlabel = \"A\"\n", "c.toml:4", &["topic \"a\" has no terms"]),
        ("[run]\ninputs = [\"in\"]\n[[topics]]\nid = \"a\"\nterms.en = [\"x\"]\n[[topics]]\nid = \"a\"\nterms.fr = [\"y\"]\n", "c.toml:7", &["id \"a\" is used twice"]),
        ("[run]\ninputs = [\"in\", \"missing\"]\n", "c.toml:2", &["missing does not exist"]),
        ("[run]\ninputs = [\"in\"]\n[input]\nmax_article_bytes = 150\n", "c.toml:4", &["[input] max_article_bytes = 150 must be between"]),
    ];
    let config = tmp.path().join("c.toml");
    for (text, place, needles) in cases {
        std::fs::write(&config, text).unwrap();
        for command in ["run", "check"] {
            let out = newsprism(
                &[command, "--config", config.to_str().unwrap(), "--quiet"].as_slice()
                    [..if command == "run" { 4 } else { 3 }],
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {text:?}: {err}");
            assert!(err.contains(place), "{command}: {err} lacks {place}");
            for n in needles {
                assert!(err.contains(n), "{command}: {err} lacks {n}");
            }
        }
    }
}

/// A corpus of one-article outlets named `names`, run with `extra` config lines.
fn run_outlets(names: &[&str]) -> (tempfile::TempDir, std::process::Output) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.jsonl");
    let lines: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, outlet)| {
            serde_json::json!({"id": format!("a{i}"), "outlet": outlet, "title": "Talks",
                "text": "Lavrov and Tillerson met in New York to discuss Syria."})
            .to_string()
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(&config, "[run]\ninputs = [\"in.jsonl\"]\n").unwrap();
    let out = newsprism(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--output",
        tmp.path().join("out").to_str().unwrap(),
        "--quiet",
    ]);
    (tmp, out)
}

#[test]
fn group_names_in_comparison_headers_are_spreadsheet_safe_and_never_collide() {
    let (tmp, out) = run_outlets(&["=HYPERLINK(\"x\")", "Daily"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = std::fs::read_to_string(tmp.path().join("out/topic_comparison.csv")).unwrap();
    let header = header.lines().next().unwrap();
    assert_eq!(header, "topic,\"'=HYPERLINK(\"\"x\"\")\",Daily");

    // "=x" becomes "'=x" in a header: with an outlet really named "'=x", two columns would
    // share a name; the run says so and writes nothing
    for names in [&["=x", "'=x"][..], &["topic", "Daily"][..]] {
        let (tmp, out) = run_outlets(names);
        assert_eq!(out.status.code(), Some(1), "{names:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("would share the column header") && err.contains(names[0]),
            "{err}"
        );
        assert!(!tmp.path().join("out").exists());
    }
}

/// Keyness compares an outlet's words with the other outlets' words in the same language: a
/// French outlet's French against French, so French words are not "key" merely for being
/// French. Languages with one outlet have no reference and are named in the summary.
#[test]
fn keyness_is_within_each_language() {
    let (_tmp, out) = sample_run("2");
    let articles = read_csv(&out.join("articles.csv"));
    let mut outlets_by_language: std::collections::BTreeMap<
        &str,
        std::collections::BTreeSet<&str>,
    > = Default::default();
    for a in &articles {
        outlets_by_language
            .entry(a["language"].as_str())
            .or_default()
            .insert(a["outlet"].as_str());
    }
    let french_terms_of = |outlet: &str| -> u64 {
        articles
            .iter()
            .filter(|a| a["language"] == "fr" && a["outlet"] == outlet)
            .map(|a| a["terms"].parse::<u64>().unwrap())
            .sum()
    };
    let keyness = read_csv(&out.join("keyness.csv"));
    let rt: Vec<_> = keyness
        .iter()
        .filter(|r| r["outlet"] == "rt-france")
        .collect();
    assert!(!rt.is_empty());
    let others: u64 = outlets_by_language["fr"]
        .iter()
        .filter(|o| **o != "rt-france")
        .map(|o| french_terms_of(o))
        .sum();
    for r in &rt {
        assert_eq!(r["language"], "fr");
        assert_eq!(r["words_group"], french_terms_of("rt-france").to_string());
        assert_eq!(r["words_rest"], others.to_string());
    }
    // every row's language is one its outlet writes in, and shared with another outlet
    for r in &keyness {
        let outlets = &outlets_by_language[r["language"].as_str()];
        assert!(
            outlets.contains(r["outlet"].as_str()) && outlets.len() > 1,
            "{r:?}"
        );
    }
    // terms_by_group says the language of each term too
    let terms = read_csv(&out.join("terms_by_group.csv"));
    assert!(terms
        .iter()
        .filter(|r| r["outlet"] == "rt-france")
        .all(|r| r["language"] == "fr"));

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let notes: Vec<&str> = manifest["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let alone: Vec<String> = outlets_by_language
        .iter()
        .filter(|(_, o)| o.len() == 1)
        .map(|(l, _)| format!("keyness: {l} has one outlet, nothing to compare with"))
        .collect();
    assert!(!alone.is_empty());
    assert_eq!(notes, alone);
}

/// The sample carries one republished wire story (data/README.md): the run finds it, names
/// the agency's story as the first of the cluster, and counts it for each outlet.
#[test]
fn the_republished_wire_story_is_found() {
    let (_tmp, out) = sample_run("2");
    let duplicates = read_csv(&out.join("duplicates.csv"));
    let pairs: Vec<(&str, &str, &str)> = duplicates
        .iter()
        .map(|r| {
            (
                r["article_id"].as_str(),
                r["role"].as_str(),
                r["matched"].as_str(),
            )
        })
        .collect();
    // rows sorted by cluster, then as articles.csv (by id)
    assert_eq!(
        pairs,
        [("hl-004", "copy", "nw-1701"), ("nw-1701", "first", "")]
    );
    let copy = &duplicates[0];
    let containment: f64 = copy["containment"].parse().unwrap();
    assert!(containment > 0.9, "{containment}");
    let articles = read_csv(&out.join("articles.csv"));
    let hl = articles
        .iter()
        .find(|a| a["article_id"] == "hl-004")
        .unwrap();
    assert_eq!(hl["copy_of"], "nw-1701");
    assert!(articles
        .iter()
        .filter(|a| a["article_id"] != "hl-004")
        .all(|a| a["copy_of"].is_empty()));

    let groups = read_csv(&out.join("groups.csv"));
    let of = |outlet: &str| groups.iter().find(|g| g["outlet"] == outlet).unwrap();
    assert_eq!(
        (
            of("harbor-ledger")["copies"].as_str(),
            of("harbor-ledger")["articles"].as_str()
        ),
        ("1", "4")
    );
    assert_eq!(of("harbor-ledger")["share_copies"], "0.25");
    assert_eq!(of("northgate-wire")["copied_by_others"], "1");
    assert_eq!(of("rt-france")["languages"], "fr");
    let total: u64 = groups
        .iter()
        .map(|g| g["articles"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 44);

    // every pair of the 22 outlets once; only the wire and the daily share a cluster
    let similarity = read_csv(&out.join("group_similarity.csv"));
    assert_eq!(similarity.len(), 22 * 21 / 2);
    let shared: Vec<(&str, &str)> = similarity
        .iter()
        .filter(|r| r["shared_clusters"] != "0")
        .map(|r| (r["outlet_a"].as_str(), r["outlet_b"].as_str()))
        .collect();
    assert_eq!(shared, [("harbor-ledger", "northgate-wire")]);
    for r in &similarity {
        assert!(r["outlet_a"] < r["outlet_b"]);
        let cosine: f64 = r["cosine"].parse().unwrap();
        let js: f64 = r["jensen_shannon"].parse().unwrap();
        assert!(
            (0.0..=1.0).contains(&cosine) && (0.0..=1.0).contains(&js),
            "{r:?}"
        );
    }
}

/// With `[duplicates] count = "first"` the copy is listed (articles.csv, duplicates.csv) but
/// left out of every count and statistic, and the manifest says how many were.
#[test]
fn copies_can_be_left_out_of_the_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let text = shipped_config_relocated().replace("count = \"all\"", "count = \"first\"");
    assert!(text.contains("count = \"first\""));
    let config = tmp.path().join("first.toml");
    std::fs::write(&config, text).unwrap();
    let first = tmp.path().join("first");
    run_into(&config, &first, &[]);
    let (_all_tmp, all) = sample_run("2");

    let groups = |out: &std::path::Path| read_csv(&out.join("groups.csv"));
    let harbor = |out: &std::path::Path| {
        groups(out)
            .into_iter()
            .find(|g| g["outlet"] == "harbor-ledger")
            .unwrap()
    };
    assert_eq!(harbor(&all)["articles"], "4");
    assert_eq!(harbor(&first)["articles"], "3");
    assert_eq!(harbor(&first)["copies"], "1");
    let topics = read_csv(&first.join("topics_by_group.csv"));
    assert!(topics
        .iter()
        .filter(|r| r["outlet"] == "harbor-ledger")
        .all(|r| r["articles"] == "3"));
    // listed, not lost
    assert_eq!(read_csv(&first.join("articles.csv")).len(), 44);
    assert_eq!(read_csv(&first.join("duplicates.csv")).len(), 2);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["duplicates"]["copies_left_out"], 1);
    assert_eq!(manifest["counts"]["articles"]["analysed"], 44);
    // the other outlets' tables are those of a full count
    for table in ["keyness.csv", "languages.csv"] {
        let without = |out: &std::path::Path| -> Vec<_> {
            read_csv(&out.join(table))
                .into_iter()
                .filter(|r| {
                    r["outlet"] != "harbor-ledger"
                        && r.get("language").map(String::as_str) != Some("en")
                })
                .collect()
        };
        assert_eq!(without(&first), without(&all), "{table}");
    }
}

#[test]
fn a_language_without_terms_is_said_out_loud_in_lexicon_coverage_and_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    // written for this repository; the outlets are invented
    let articles = [
        ("fr1", "Le Quotidien du Quai", "Les ministres russe et américain se sont rencontrés à New York pour parler de la Syrie et des zones de désescalade, a indiqué la diplomatie russe dimanche soir."),
        ("fr2", "Le Quotidien du Quai", "La réunion a porté sur la coopération entre les deux pays, selon un communiqué publié après la rencontre des deux ministres à New York dimanche."),
        ("tr1", "Boğaz Postası", "Rusya Dışişleri Bakanı Lavrov ile ABD Dışişleri Bakanı Tillerson, Pazar günü New York'ta bir araya gelerek Suriye'deki durumu ve iki ülke arasındaki ilişkileri görüştü. Görüşmenin ardından yapılan açıklamada taraflar diyaloğun sürdürülmesi gerektiğini vurguladı."),
    ];
    let lines: Vec<String> = articles
        .iter()
        .map(|(id, outlet, text)| {
            serde_json::json!({"id": id, "outlet": outlet, "text": text}).to_string()
        })
        .collect();
    std::fs::write(tmp.path().join("in.jsonl"), lines.join("\n")).unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        "[run]\ninputs = [\"in.jsonl\"]\ncache = false\n\
         [[topics]]\nid = \"syria\"\nlabel = \"Syria\"\nterms.fr = [\"Syrie\"]\nterms.en = [\"Syria\"]\n\
         [[topics]]\nid = \"new_york\"\nlabel = \"New York\"\nterms.fr = [\"New York\"]\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    // warnings are said even with --quiet
    let out = run_into(&config, &out_dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);

    let coverage = read_csv(&out_dir.join("lexicon_coverage.csv"));
    let row = |language: &str, topic: &str| {
        coverage
            .iter()
            .find(|r| r["language"] == language && r["topic"] == topic)
            .map(|r| {
                (
                    r["terms"].clone(),
                    r["articles"].clone(),
                    r["articles_mentioning"].clone(),
                )
            })
            .unwrap_or_else(|| panic!("no row for {language} {topic}: {coverage:?}"))
    };
    let own = |t: &str, a: &str, m: &str| (t.to_string(), a.to_string(), m.to_string());
    assert_eq!(coverage.len(), 4, "{coverage:?}");
    assert_eq!(row("fr", "syria"), own("1", "2", "1"));
    assert_eq!(row("fr", "new_york"), own("1", "2", "2"));
    // the Turkish article names Syria and New York, but the lexicon cannot see it
    assert_eq!(row("tr", "syria"), own("0", "1", "0"));
    assert_eq!(row("tr", "new_york"), own("0", "1", "0"));

    let warning = "tr: 1 article, 0 of 2 topics have terms — their counts are 0 by construction";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
    assert!(!stderr.contains("fr: "), "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let warnings: Vec<&str> = manifest["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(warnings.iter().any(|w| w.contains(warning)), "{warnings:?}");
}

/// The shipped config with `[select]` appended (paths made absolute), written to `dir`.
fn config_with_select(dir: &std::path::Path, select: &str) -> std::path::PathBuf {
    let text = shipped_config_relocated().replacen(
        "[[topics]]",
        &format!("[select]\n{select}\n\n[[topics]]"),
        1,
    );
    let path = dir.join("select.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_select_query_with_dates_keeps_and_excludes_the_right_articles() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_with_select(
        tmp.path(),
        "published_from = \"2017-09-17\"\npublished_to = \"2017-09-18\"\n\
         query = \"lavrov AND tillerson AND (syria OR ukraine_minsk)\"",
    );
    let out = tmp.path().join("out");
    let run = run_loud(&config, &out);
    let stdout = String::from_utf8_lossy(&run.stdout);

    let kept: std::collections::BTreeSet<String> = read_csv(&out.join("articles.csv"))
        .iter()
        .map(|a| a["article_id"].clone())
        .collect();
    let excluded: HashMap<String, String> = read_csv(&out.join("excluded.csv"))
        .into_iter()
        .map(|r| (r["article_id"].clone(), r["reason"].clone()))
        .collect();
    // checked by hand against the sample: the meeting reports of 17-18 September name both
    // ministers and Syria or Ukraine
    for id in [
        "nw-1701",
        "hl-001",
        "hl-004",
        "dfcb-1",
        "hxrb-1",
        "bp-1",
        "lv-0917",
        "vs-101",
        // a windows-1251 page and a KOI8-R page of the sample WARC
        "articles/web/volzhsky-vestnik/2017-09-18-lavrov-tillerson.html",
        "articles/crawl/sample.warc.gz@2449",
    ] {
        assert!(kept.contains(id), "{id} should be kept: {excluded:?}");
    }
    assert_eq!(
        excluded["hl-002"],
        "query not satisfied: lavrov AND tillerson AND (syria OR ukraine_minsk)"
    );
    assert_eq!(
        excluded["vs-104"],
        "published 2017-09-20, after published_to 2017-09-18"
    );
    // the seed article has no published date
    assert_eq!(
        excluded["articles/rt-france/000_4add2c01ef8e9419.txt"],
        "no published date ([select] has a date range)"
    );
    assert!(kept.iter().all(|id| !excluded.contains_key(id)));
    // every article is either in the tables or excluded, and the counts add up
    assert_eq!(kept.len() + excluded.len(), 44);
    assert_eq!((kept.len(), excluded.len()), (23, 21));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let articles = &manifest["counts"]["articles"];
    assert_eq!(articles["discovered"], 44);
    assert_eq!(articles["analysed"], 23);
    assert_eq!(articles["excluded"], 21);
    assert_eq!(articles["rejected"], 0);
    assert!(
        stdout
            .contains("44 articles read: 23 analysed, 21 excluded (outside [select]), 0 rejected"),
        "{stdout}"
    );
    // excluded articles are in no table
    let groups = read_csv(&out.join("groups.csv"));
    let total: u64 = groups
        .iter()
        .map(|g| g["articles"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 23);
}

#[test]
fn a_bad_select_query_exits_2_naming_the_spot() {
    let tmp = tempfile::tempdir().unwrap();
    for (query, expected) in [
        (
            "lavrov AND AND syria",
            "[select] query, at character 12: expected a topic or actor id, NOT or \"(\", found AND",
        ),
        (
            "lavrov AND (syria OR ukraine_minsk",
            "[select] query, at character 35: expected \")\" to close the \"(\" at 12",
        ),
        (
            "lavrov AND syra",
            "[select] query, at character 12: unknown topic or actor id \"syra\"; did you mean `syria`?",
        ),
    ] {
        let config = config_with_select(tmp.path(), &format!("query = {query:?}"));
        for command in ["run", "check"] {
            let out = newsprism(&[command, "--config", config.to_str().unwrap()]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {query}: {stderr}");
            assert!(stderr.contains(expected), "{command} {query}: {stderr}");
            assert!(stderr.contains("select.toml:"), "names the file and line: {stderr}");
        }
    }
}

#[test]
fn contexts_show_the_matched_words_as_written_spread_over_articles() {
    let tmp = tempfile::tempdir().unwrap();
    // written for this test; the outlet is invented
    let articles = [
        ("a1", "The ministers discussed SYRIA and the de-escalation zones in Idlib, then Syria again, and Syria a third time."),
        ("a2", "Talks in New York.\nSyria was on the agenda; nothing on Ukraine."),
        ("a3", "A report on trade, with no word on the war."),
    ];
    let lines: Vec<String> = articles
        .iter()
        .map(|(id, text)| {
            serde_json::json!({"id": id, "outlet": "Daily Test", "text": text}).to_string()
        })
        .collect();
    std::fs::write(tmp.path().join("in.jsonl"), lines.join("\n")).unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        "[run]\ninputs = [\"in.jsonl\"]\ncache = false\n\
         [compare]\ncontext_words = 3\ncontexts_per_topic = 3\n\
         [[topics]]\nid = \"syria\"\nterms.en = [\"Syria\", \"de-escalation zone\"]\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &[]);
    let rows = read_csv(&out.join("contexts.csv"));
    let got: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["article_id"].as_str(),
                r["left"].as_str(),
                r["match"].as_str(),
                r["right"].as_str(),
            )
        })
        .collect();
    // three kept for the outlet: each article's first match before any article's second,
    // then a1's second; the words as written (case, hyphen, plural, punctuation), three
    // words either side as the tokenizer counts them (a hyphenated compound is two), line
    // breaks as spaces
    assert_eq!(
        got,
        [
            ("a1", "The ministers discussed", "SYRIA", "and the de"),
            (
                "a1",
                "SYRIA and the",
                "de-escalation zones",
                "in Idlib, then"
            ),
            ("a2", "in New York.", "Syria", "was on the"),
        ],
        "{rows:?}"
    );
    assert!(rows
        .iter()
        .all(|r| r["outlet"] == "Daily Test" && r["topic"] == "syria"));
}

#[test]
fn extract_writes_every_article_as_read() {
    let data = repo().join("data/articles");
    let config = repo().join("config.toml");
    let out = run_ok(&[
        "extract",
        "--config",
        config.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 44);
    let keys: Vec<&str> = lines[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "id",
        "outlet",
        "country",
        "published",
        "url",
        "title",
        "text",
        "language",
        "source",
    ] {
        assert!(keys.contains(&key), "{key} missing: {keys:?}");
    }
    // a .txt article with a header, every field as the run reads it
    let veilleur = lines.iter().find(|l| l["id"] == "lv-0917").unwrap();
    assert_eq!(veilleur["outlet"], "le-veilleur");
    assert_eq!(veilleur["published"], "2017-09-17");
    assert_eq!(
        veilleur["source"],
        "articles/le-veilleur/2017-09-17-rencontre.txt"
    );
    assert!(veilleur["text"].as_str().unwrap().len() > 200);
    assert!(String::from_utf8_lossy(&out.stderr).contains("44 articles extracted, 0 rejected"));

    // a rejection is said on stderr, with the file and line; the run still exits 0
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("x.jsonl"),
        "{\"id\": \"a\", \"text\": \"ok\"}\nnot json\n",
    )
    .unwrap();
    let out = run_ok(&["extract", tmp.path().join("x.jsonl").to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("x.jsonl:2: malformed JSON line"));
    // no path is a usage error
    assert_eq!(newsprism(&["extract"]).status.code(), Some(2));
}
