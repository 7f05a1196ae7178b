//! Scratch timing: the history replay of a whole migrations folder (not committed).
use prisma_migrate_doctor::evidence::effects::script_effects;
use prisma_migrate_doctor::evidence::split::{split_script, SplitScript};

fn main() {
    let dir = std::env::args().nth(1).expect("dir");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("migration.sql").exists())
        .collect();
    names.sort();
    let mut combined = SplitScript {
        statements: Vec::new(),
        has_transaction_control: false,
    };
    for n in &names {
        let s = std::fs::read_to_string(n.join("migration.sql")).unwrap();
        for mut st in split_script(&s).statements {
            st.index = combined.statements.len();
            combined.statements.push(st);
        }
    }
    let t = std::time::Instant::now();
    let e = script_effects(&combined, "public");
    let t1 = t.elapsed();
    let after = e.after(combined.statements.len());
    let facts: usize = after.iter().map(|x| x.expectations().len()).sum();
    println!(
        "{} statements, effects {:?}, after {:?}, {} facts",
        combined.statements.len(),
        t1,
        t.elapsed() - t1,
        facts
    );
}
