//! The sample skill of the skills extension (`io.modelcontextprotocol/skills`): `pdf-processing`,
//! its files compiled in from `skills/pdf-processing/`.

use toolsmith::{Skill, SkillError};

/// The `pdf-processing` skill: `SKILL.md` and `references/FORMS.md`.
pub(crate) fn pdf_processing() -> Result<Skill, SkillError> {
    Skill::from_files([
        ("SKILL.md", include_str!("skills/pdf-processing/SKILL.md")),
        (
            "references/FORMS.md",
            include_str!("skills/pdf-processing/references/FORMS.md"),
        ),
    ])
}
