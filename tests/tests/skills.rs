//! The skills extension (`io.modelcontextprotocol/skills`, SEP-2640), server side: `Skill` from
//! files and from a directory, `skills/list` and `skills/get` in both eras, the `skill://`
//! resources, the capability, and the errors for bad skills.

use serde_json::{json, Value};
use toolsmith::{Error, Server, Skill, SkillError};
use toolsmith_tests::RawClient;

const SKILL_MD: &str = "---\nname: pdf-tools\ndescription: Work with PDF files\nmetadata:\n  \
                        author: someone\n  tags: [a, b]\n---\n\n# PDF tools\n\nRead FORMS.md.\n";
/// SHA-256 of `abc` (FIPS 180-2's first example).
const ABC_DIGEST: &str = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

fn skill() -> Skill {
    Skill::from_files([("SKILL.md", SKILL_MD), ("references/abc.txt", "abc")])
        .expect("a valid skill")
}

fn server() -> Server {
    Server::new("skills", "1").skill(skill())
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    })
}

fn invalid(result: Result<Skill, SkillError>) -> String {
    match result {
        Err(SkillError::Invalid(m)) => m,
        other => panic!("expected an invalid skill, got {other:?}"),
    }
}

#[tokio::test]
async fn handshake_era_lists_gets_and_reads_skills() {
    let mut c = RawClient::start(server());
    let init = c
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "0"}}),
        )
        .await;
    let caps = &init["result"]["capabilities"];
    assert_eq!(
        caps["extensions"]["io.modelcontextprotocol/skills"],
        json!({"directoryRead": true})
    );
    assert!(caps["resources"].is_object(), "{caps}");
    c.notify("notifications/initialized", json!({})).await;

    let list = c.request("skills/list", json!({})).await;
    let skills = list["result"]["skills"].as_array().expect("skills").clone();
    assert_eq!(skills.len(), 1, "{list}");
    let entry = &skills[0];
    assert_eq!(entry["uri"], "skill://pdf-tools/SKILL.md");
    assert_eq!(
        entry["frontmatter"],
        json!({"name": "pdf-tools", "description": "Work with PDF files",
               "metadata": {"author": "someone", "tags": ["a", "b"]}})
    );
    let resources = entry["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 2);
    assert_eq!(resources[0]["uri"], "skill://pdf-tools/SKILL.md");
    assert_eq!(resources[0]["size"], SKILL_MD.len());
    assert_eq!(
        resources[1],
        json!({"uri": "skill://pdf-tools/references/abc.txt", "digest": ABC_DIGEST, "size": 3})
    );

    let got = c
        .request("skills/get", json!({"uri": "skill://pdf-tools/SKILL.md"}))
        .await;
    assert_eq!(&got["result"]["skill"], entry, "{got}");
    assert!(got["result"].get("nextCursor").is_none());

    let unknown = c
        .request("skills/get", json!({"uri": "skill://nope/SKILL.md"}))
        .await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    assert_eq!(unknown["error"]["data"]["uri"], "skill://nope/SKILL.md");
    let bad_cursor = c.request("skills/list", json!({"cursor": "x"})).await;
    assert_eq!(bad_cursor["error"]["code"], -32602, "{bad_cursor}");

    let listed = c.request("resources/list", json!({})).await;
    let manifest = listed["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uri"] == "skill://pdf-tools/SKILL.md")
        .cloned()
        .expect("SKILL.md listed");
    assert_eq!(manifest["name"], "pdf-tools");
    assert_eq!(manifest["description"], "Work with PDF files");
    assert_eq!(manifest["mimeType"], "text/markdown");

    let read = c
        .request(
            "resources/read",
            json!({"uri": "skill://pdf-tools/SKILL.md"}),
        )
        .await;
    assert_eq!(read["result"]["contents"][0]["text"], SKILL_MD);
    let read = c
        .request(
            "resources/read",
            json!({"uri": "skill://pdf-tools/references/abc.txt"}),
        )
        .await;
    assert_eq!(read["result"]["contents"][0]["text"], "abc");
}

#[tokio::test]
async fn stateless_era_declares_and_caches() {
    let mut c = RawClient::start(server());
    let discover = c.request("server/discover", json!({"_meta": meta()})).await;
    assert_eq!(
        discover["result"]["capabilities"]["extensions"]["io.modelcontextprotocol/skills"],
        json!({"directoryRead": true}),
        "{discover}"
    );
    for (method, params) in [
        ("skills/list", json!({"_meta": meta()})),
        (
            "skills/get",
            json!({"uri": "skill://pdf-tools/SKILL.md", "_meta": meta()}),
        ),
    ] {
        let r = c.request(method, params).await;
        let result = &r["result"];
        assert_eq!(result["resultType"], "complete", "{r}");
        assert!(result["ttlMs"].is_u64(), "{r}");
        assert!(result["cacheScope"].is_string(), "{r}");
    }
}

#[tokio::test]
async fn directories_list_their_direct_children() {
    let mut c = RawClient::initialized(server(), json!({})).await;
    let root = c
        .request(
            "resources/directory/read",
            json!({"uri": "skill://pdf-tools"}),
        )
        .await;
    assert_eq!(
        root["result"]["resources"],
        json!([
            {"uri": "skill://pdf-tools/SKILL.md", "name": "SKILL.md", "mimeType": "text/markdown"},
            {"uri": "skill://pdf-tools/references", "name": "references",
             "mimeType": "inode/directory"}
        ]),
        "{root}"
    );
    let sub = c
        .request(
            "resources/directory/read",
            json!({"uri": "skill://pdf-tools/references"}),
        )
        .await;
    assert_eq!(
        sub["result"]["resources"],
        json!([{"uri": "skill://pdf-tools/references/abc.txt", "name": "abc.txt",
                "mimeType": "text/plain"}]),
        "{sub}"
    );
    for not_a_dir in [
        "skill://pdf-tools/SKILL.md",
        "skill://other",
        "skill://pdf-tools/refs",
    ] {
        let r = c
            .request("resources/directory/read", json!({"uri": not_a_dir}))
            .await;
        assert_eq!(r["error"]["code"], -32602, "{not_a_dir}: {r}");
    }
}

#[tokio::test]
async fn without_skills_nothing_is_declared_or_served() {
    let mut c = RawClient::start(Server::new("plain", "1"));
    let discover = c.request("server/discover", json!({"_meta": meta()})).await;
    let caps = &discover["result"]["capabilities"];
    assert!(caps.get("extensions").is_none(), "{caps}");
    for method in ["skills/list", "resources/directory/read"] {
        let r = c
            .request(method, json!({"uri": "skill://x", "_meta": meta()}))
            .await;
        assert_eq!(r["error"]["code"], -32601, "{method}: {r}");
    }
}

#[test]
fn bad_skills_are_refused_with_the_reason() {
    let m = invalid(Skill::from_files([("README.md", "x")]));
    assert!(m.contains("no `SKILL.md`"), "{m}");
    let m = invalid(Skill::from_files([("SKILL.md", "# no frontmatter\n")]));
    assert!(m.contains("does not begin with"), "{m}");
    let m = invalid(Skill::from_files([("SKILL.md", "---\nname: a\n---\n")]));
    assert!(m.contains("`description`"), "{m}");
    let m = invalid(Skill::from_files([(
        "SKILL.md",
        "---\nname: Bad--Name\ndescription: d\n---\n",
    )]));
    assert!(m.contains("naming rules"), "{m}");
    let m = invalid(Skill::from_files([
        ("SKILL.md", SKILL_MD),
        ("../escape.txt", "x"),
    ]));
    assert!(m.contains("`../escape.txt`"), "{m}");
    let m = invalid(Skill::from_files([(
        "SKILL.md",
        "---\nname: [unclosed\ndescription: d\n---\n",
    )]));
    assert!(m.contains("not valid"), "{m}");
}

#[tokio::test]
async fn the_same_skill_twice_is_a_configuration_error() {
    let server = server().skill(skill());
    match server.serve(tokio::io::empty(), tokio::io::sink()).await {
        Err(Error::Config(m)) => assert!(m.contains("two skills"), "{m}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn a_skill_is_read_from_a_directory() {
    let dir = std::env::temp_dir().join(format!("toolsmith-skill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("references")).unwrap();
    std::fs::write(dir.join("SKILL.md"), SKILL_MD).unwrap();
    std::fs::write(dir.join("references/abc.txt"), "abc").unwrap();
    let from_dir = Skill::from_dir(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let from_dir = from_dir.expect("a valid skill directory");
    assert_eq!(from_dir.name(), "pdf-tools");
    assert_eq!(from_dir.frontmatter(), skill().frontmatter());
    let missing = Skill::from_dir(dir.join("nowhere"));
    assert!(matches!(missing, Err(SkillError::Io { .. })), "{missing:?}");
}
