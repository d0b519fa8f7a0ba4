//! The canvas as one self-contained HTML page: the value proposition in the middle, data and
//! code management on the left, model management on the right, metadata management below,
//! then the dilemmas and the DORA summary.
//!
//! No script, no external asset, no network: inline CSS only. Each block is coloured by its
//! maturity status (met, partial, missing, not assessed); an answer shows its evidence on hover
//! (`title`) and as links when expanded (`<details>`). Print CSS lays the page out landscape on
//! the printer's paper (A4 or Letter). Every text from the repository or the team is
//! HTML-escaped: it is untrusted input.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;

use super::page::{self, Segment};
use super::{Answer, BlockReport, Report};
use crate::canvas::dilemmas::{dilemmas, kind_title};
use crate::canvas::{AnswerStatus, Area, Block};
use crate::detect::ToolKind;

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// Evidence items shown per platform; the rest are on hover.
const SHOWN_PLATFORM_EVIDENCE: usize = 3;

const STYLE: &str = r#"
:root { --ink:#1d2530; --muted:#5c6773; --line:#d5dbe2; --paper:#fff; --bg:#f4f6f8;
  --met:#2e7d32; --met-bg:#e8f5e9; --partial:#b26a00; --partial-bg:#fff3e0;
  --missing:#c62828; --missing-bg:#fdecea; --na:#6b7785; --na-bg:#eef1f4;
  --detected:#1e63b5; --team:#6a3fb5; --stale:#b26a00; --contra:#c62828; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px; background: var(--bg); color: var(--ink);
  font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: inherit; }
header.page { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 18px; margin-bottom: 10px; }
header.page h1 { font-size: 20px; margin: 0; }
header.page .repo { font-weight: 600; overflow-wrap: anywhere; }
header.page .meta, .legend { color: var(--muted); font-size: 12px; }
header.page .verdict { width: 100%; margin: 0; font-size: 12px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; list-style: none; margin: 0; padding: 0; width: 100%; }
.legend .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.canvas { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1.2fr) minmax(0, 2fr);
  grid-template-rows: auto 1fr; grid-template-areas: "data vp model" "meta meta model"; gap: 10px; }
.area { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 8px; min-width: 0; }
.area > h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 2px 6px; }
.area.data { grid-area: data; } .area.vp { grid-area: vp; }
.area.vp > .block { height: 100%; }
.area.model { grid-row: 1 / span 2; }
.area.meta .qa { column-count: 2; column-gap: 20px; }
.area.meta .qa > li { break-inside: avoid; }
.area.model { grid-area: model; } .area.meta { grid-area: meta; }
.cells { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
.cells > .block:last-child:nth-child(odd) { grid-column: 1 / -1; }
.block { border: 1px solid var(--line); border-top: 5px solid var(--na); border-radius: 6px; padding: 6px 8px 6px; background: var(--paper); min-width: 0; }
.block.st-met { border-top-color: var(--met); } .block.st-partial { border-top-color: var(--partial); }
.block.st-missing { border-top-color: var(--missing); } .block.st-not-assessed { border-top-color: var(--na); }
.block > header { display: flex; align-items: baseline; gap: 6px; flex-wrap: wrap; }
.block h3 { font-size: 14px; margin: 0; flex: 1 1 auto; }
.badge { font-size: 11px; padding: 0 6px; border-radius: 9px; white-space: nowrap; }
.st-met .badge.status { background: var(--met-bg); color: var(--met); }
.st-partial .badge.status { background: var(--partial-bg); color: var(--partial); }
.st-missing .badge.status { background: var(--missing-bg); color: var(--missing); }
.st-not-assessed .badge.status { background: var(--na-bg); color: var(--na); }
.badge.count { color: var(--muted); }
.tools { display: flex; flex-wrap: wrap; gap: 3px; margin: 5px 0 4px; padding: 0; list-style: none; }
.tools li, .chips li { font-size: 11px; background: #eef3fb; border: 1px solid #d3e0f3; border-radius: 4px; padding: 0 5px; }
.qa { list-style: none; margin: 4px 0 0; padding: 0; }
.qa > li { border-left: 3px solid var(--detected); padding: 1px 0 1px 6px; margin: 3px 0; overflow-wrap: anywhere; }
.qa > li.open { border-left-color: var(--line); color: var(--muted); }
.qa > li.answered { border-left-color: var(--team); } .qa > li.retired { border-left-color: var(--line); }
.qa > li.stale { border-left-color: var(--stale); background: var(--partial-bg); }
.qa > li.contradicted { border-left-color: var(--contra); background: var(--missing-bg); }
.q { display: block; font-size: 11px; color: var(--muted); }
.v { display: block; white-space: pre-line; }
.open .v { font-style: italic; }
.tag { font-size: 10px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.flag { display: block; font-size: 11px; color: var(--contra); }
.stale .flag { color: var(--stale); }
details > summary { cursor: pointer; list-style: none; }
details > summary::-webkit-details-marker { display: none; }
details.ev > summary .v::after { content: " \25B8"; color: var(--muted); font-size: 10px; }
details.ev[open] > summary .v::after { content: " \25BE"; }
details.ev ul { margin: 2px 0 2px 12px; padding: 0; font-size: 11px; }
details.findings { margin-top: 5px; font-size: 11px; color: var(--muted); }
details.findings table { border-collapse: collapse; width: 100%; margin-top: 3px; color: var(--ink); }
details.findings td, details.findings th { border-top: 1px solid var(--line); padding: 1px 3px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
code { font: 11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.below { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px; margin-top: 10px; align-items: start; }
.below section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; min-width: 0; overflow-wrap: anywhere; }
.below h2 { font-size: 14px; margin: 0 0 4px; }
.below p, .below ul { margin: 3px 0; }
.below ul { padding-left: 16px; }
.kind { margin: 4px 0; } .kind > span { font-size: 11px; color: var(--muted); }
.chips { display: flex; flex-wrap: wrap; gap: 3px; list-style: none; padding: 0 !important; margin: 2px 0 !important; }
.k-managed li { background: #fff3e0; border-color: #f3d9b1; } .k-saas li { background: #f3e8fd; border-color: #e0cdf6; }
.k-practice li { background: #eef1f4; border-color: #d5dbe2; }
table.dora { border-collapse: collapse; width: 100%; font-size: 12px; }
table.dora td, table.dora th { border-top: 1px solid var(--line); padding: 2px 4px; text-align: left; }
table.dora td { white-space: nowrap; } table.dora td:first-child { white-space: normal; }
.band-elite, .band-high { color: var(--met); font-weight: 600; } .band-medium { color: var(--partial); font-weight: 600; }
.band-low { color: var(--missing); font-weight: 600; }
.note { color: var(--muted); font-size: 11px; }
.pitch { margin: 6px 0; font-size: 14px; overflow-wrap: anywhere; }
@media (max-width: 1100px) {
  .canvas { grid-template-columns: 1fr; grid-template-areas: "vp" "data" "model" "meta"; }
  .below { grid-template-columns: 1fr 1fr; }
}
@page { size: landscape; margin: 8mm; }
@media print {
  body { background: #fff; padding: 0; font-size: 7.5pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  header.page { margin-bottom: 4px; } header.page h1 { font-size: 12pt; }
  header.page .meta, .legend, header.page .verdict { font-size: 6.5pt; }
  body { line-height: 1.2; }
  .canvas { grid-template-columns: minmax(0, 2fr) minmax(0, 1.2fr) minmax(0, 2fr); grid-template-rows: auto 1fr; grid-template-areas: "data vp model" "meta meta model"; gap: 5px; }
  .qa > li { margin: 1px 0; }
  .qa > li.open .v { display: none; }
  .qa > li.open .q::before { content: "\25CB  "; }
  .area { padding: 4px; border-radius: 4px; } .cells { gap: 4px; }
  /* A dense canvas runs over several pages: blocks may split, answers may not. Rows that
     refuse to split would push the whole canvas off the first page. */
  .block { padding: 3px 5px; border-top-width: 4px; }
  .area.vp > .block { height: auto; }
  .qa > li, .block > header, .tools { break-inside: avoid; }
  .block h3 { font-size: 8.5pt; } .q, .tools li, .badge, .flag, .tag { font-size: 6.5pt; }
  details.ev > summary .v::after, details.findings { display: none; }
  .below { grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 5px; break-inside: avoid; }
  .below section { padding: 4px 6px; }
  a { text-decoration: none; }
}
"#;

/// Writes the page.
pub(crate) fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    let title = format!("MLOps Stack Canvas: {}", report.repo.path);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"mlops-canvas {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(report.tool_version),
        esc(&title)
    );
    header(report, &mut h);
    h.push_str("<main class=\"canvas\">\n");
    for (area, class) in [
        (Area::DataAndCode, "data"),
        (Area::ValueProposition, "vp"),
        (Area::Model, "model"),
        (Area::Metadata, "meta"),
    ] {
        let _ = writeln!(
            h,
            "<section class=\"area {class}\" aria-label=\"{}\">",
            esc(area.title())
        );
        if area != Area::ValueProposition {
            let _ = writeln!(h, "<h2>{}</h2>", esc(area.title()));
        }
        let blocks: Vec<Block> = area.blocks().collect();
        let grid = blocks.len() > 1;
        if grid {
            h.push_str("<div class=\"cells\">\n");
        }
        for b in blocks {
            block(report, report.blocks.get(b), &mut h);
        }
        if grid {
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n<div class=\"below\">\n");
    dilemma_sections(report, &mut h);
    dora_section(report, &mut h);
    h.push_str("</div>\n</body>\n</html>\n");
    out.write_all(h.as_bytes())?;
    Ok(())
}

fn header(report: &Report, h: &mut String) {
    let (scan, team, open, flagged) = page::totals(report);
    let head = page::head(report);
    let _ = writeln!(
        h,
        "<header class=\"page\"><h1>MLOps Stack Canvas</h1><span class=\"repo\">{}</span><span class=\"meta\">{}{} mlops-canvas {} · {scan} answered by the scan · {team} by the team · {open} open{}</span>",
        esc(&report.repo.path),
        esc(&head),
        if head.is_empty() { "" } else { " ·" },
        esc(report.tool_version),
        if flagged > 0 {
            format!(" · {flagged} flagged")
        } else {
            String::new()
        }
    );
    if let Some(m) = page::maturity_line(report) {
        let _ = writeln!(h, "<p class=\"verdict\">{}</p>", esc(&m));
    }
    h.push_str("<ul class=\"legend\"><li>maturity:</li>");
    for (class, label) in [
        ("met", "met"),
        ("partial", "partial"),
        ("missing", "missing"),
        ("na", "not assessed"),
    ] {
        let _ = write!(
            h,
            "<li><span class=\"sw\" style=\"background:var(--{class})\"></span>{label}</li>"
        );
    }
    h.push_str("<li>answers:</li>");
    for (class, label) in [
        ("detected", "detected by the scan"),
        ("team", "the team's"),
        ("stale", "stale"),
        ("contra", "contradicts the scan"),
        ("line", "open"),
    ] {
        let _ = write!(
            h,
            "<li><span class=\"sw\" style=\"background:var(--{class})\"></span>{label}</li>"
        );
    }
    h.push_str("<li>hover an answer for its evidence, click to list it</li></ul></header>\n");
}

fn block(report: &Report, b: &BlockReport, h: &mut String) {
    let (class, label) = page::status(report, b.block);
    let (done, total) = page::answered(b);
    let _ = writeln!(
        h,
        "<article class=\"block st-{class}\" id=\"{}\"><header><h3>{}</h3><span class=\"badge count\">{done}/{total}</span><span class=\"badge status\">{}</span></header>",
        b.block.id(),
        esc(b.block.title()),
        esc(&label)
    );
    let mut tools: Vec<&str> = Vec::new();
    for f in &b.findings {
        if !tools.contains(&f.tool_name.as_str()) {
            tools.push(&f.tool_name);
        }
    }
    if !tools.is_empty() {
        h.push_str("<ul class=\"tools\">");
        for t in &tools {
            let caps: Vec<&str> = b
                .findings
                .iter()
                .filter(|f| f.tool_name == *t)
                .map(|f| f.capability.as_str())
                .collect();
            let _ = write!(h, "<li title=\"{}\">{}</li>", esc(&caps.join(", ")), esc(t));
        }
        h.push_str("</ul>\n");
    }
    if b.block == Block::ValueProposition {
        if let Some((title, summary, path)) = page::readme(report) {
            let _ = writeln!(
                h,
                "<p class=\"pitch\" title=\"from {}\"><strong>{}</strong> {}</p>",
                esc(&path),
                esc(&title),
                esc(&summary)
            );
        }
    }
    h.push_str("<ul class=\"qa\">\n");
    for a in &b.answers {
        answer(a, h);
    }
    for q in &b.open_questions {
        let _ = writeln!(
            h,
            "<li class=\"open\"><span class=\"q\">{}</span><span class=\"v\">open: for the team</span></li>",
            esc(q)
        );
    }
    h.push_str("</ul>\n");
    if !b.findings.is_empty() {
        let _ = write!(
            h,
            "<details class=\"findings\"><summary>{} finding{}: tool, capability, evidence</summary><table>",
            b.findings.len(),
            if b.findings.len() == 1 { "" } else { "s" }
        );
        for f in &b.findings {
            let ev: Vec<String> = f
                .evidence
                .iter()
                .take(3)
                .map(|e| {
                    let loc = match e.line {
                        Some(l) => format!("{}:{l}", e.path),
                        None => e.path.clone(),
                    };
                    let link = if e.path == ".git" {
                        esc(&loc)
                    } else {
                        format!(
                            "<a href=\"{}\">{}</a>",
                            esc(&page::href(&e.path, e.line)),
                            esc(&loc)
                        )
                    };
                    if e.snippet.is_empty() {
                        link
                    } else {
                        format!("{link} <code>{}</code>", esc(&e.snippet))
                    }
                })
                .collect();
            let more = if f.evidence_total > 3 {
                format!(" (+{} more)", f.evidence_total - 3)
            } else {
                String::new()
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{more}</td></tr>",
                esc(&f.tool_name),
                esc(&f.capability),
                f.confidence,
                ev.join("<br>")
            );
        }
        h.push_str("</table></details>\n");
    }
    h.push_str("</article>\n");
}

/// The answer text without its `(path:line)` locations: the tools read at a glance, the
/// evidence is on hover and in the expansion.
fn compact(text: &str, evidence: &[String]) -> String {
    let segs = page::segments(text, evidence);
    let mut pieces: Vec<String> = segs
        .iter()
        .map(|s| match s {
            Segment::Text(t) | Segment::Location { text: t, .. } => (*t).to_string(),
        })
        .collect();
    for (i, s) in segs.iter().enumerate() {
        if !matches!(s, Segment::Location { .. }) || i == 0 || i + 1 >= segs.len() {
            continue;
        }
        let (before, rest) = pieces.split_at_mut(i);
        let (loc, after) = rest.split_at_mut(1);
        let (prev, next) = (&mut before[i - 1], &mut after[0]);
        if !next.starts_with(')') {
            continue;
        }
        if prev.ends_with('(') {
            // "Tool (path:3)" -> "Tool"
            prev.pop();
            if prev.ends_with(' ') {
                prev.pop();
            }
            next.remove(0);
            loc[0].clear();
        } else if prev.ends_with(", ") {
            // "Kubernetes (Istio, path:3)" -> "Kubernetes (Istio)"
            prev.truncate(prev.len() - 2);
            loc[0].clear();
        }
    }
    pieces.concat()
}

fn answer(a: &Answer, h: &mut String) {
    let class = match a.status {
        AnswerStatus::Detected | AnswerStatus::Open => "detected",
        AnswerStatus::Answered => "answered",
        AnswerStatus::Stale => "stale",
        AnswerStatus::Contradicted => "contradicted",
        AnswerStatus::Retired => "retired",
    };
    let human = a.source == "human";
    let shown = if human {
        a.answer.clone()
    } else {
        compact(&a.answer, &a.evidence)
    };
    let links: Vec<String> = a
        .evidence
        .iter()
        .map(|l| {
            if l == ".git" {
                "git history".to_string()
            } else {
                let (path, line) = page::split_location(l);
                format!(
                    "<a href=\"{}\">{}</a>",
                    esc(&page::href(path, line)),
                    esc(l)
                )
            }
        })
        .collect();
    let mut hover = Vec::new();
    if human {
        if let Some(d) = &a.detected {
            hover.push(format!("scan: {d}"));
        }
    } else if shown != a.answer {
        hover.push(a.answer.clone());
    }
    if !a.evidence.is_empty() {
        hover.push(format!("evidence: {}", a.evidence.join(", ")));
    }
    let tag = page::answer_label(a.status, &a.source)
        .map(|l| format!(" <span class=\"tag\">{}</span>", esc(l)))
        .unwrap_or_default();
    let flag = a
        .flag
        .as_deref()
        .map(|f| format!("<span class=\"flag\">⚠ {}</span>", esc(f)))
        .unwrap_or_default();
    let body = format!(
        "<span class=\"q\">{}</span><span class=\"v\">{}{tag}</span>{flag}",
        esc(&a.question),
        esc(shown.trim())
    );
    let title = esc(&hover.join("\n"));
    if links.is_empty() && a.detected.is_none() {
        let _ = writeln!(h, "<li class=\"{class}\" title=\"{title}\">{body}</li>");
        return;
    }
    let _ = write!(
        h,
        "<li class=\"{class}\"><details class=\"ev\"><summary title=\"{title}\">{body}</summary><ul>"
    );
    if human {
        if let Some(d) = &a.detected {
            let _ = write!(h, "<li>scan: {}</li>", esc(d));
        }
    }
    for l in links {
        let _ = write!(h, "<li>{l}</li>");
    }
    h.push_str("</ul></details></li>\n");
}

fn chips(names: &[String]) -> String {
    if names.is_empty() {
        return " <span class=\"note\">none found</span>".to_string();
    }
    let mut s = String::from("<ul class=\"chips\">");
    for n in names {
        let _ = write!(s, "<li>{}</li>", esc(n));
    }
    s.push_str("</ul>");
    s
}

fn dilemma_sections(report: &Report, h: &mut String) {
    let d = dilemmas(report);
    h.push_str("<section class=\"dilemma tooling\"><h2>Tooling</h2><p class=\"note\">Run by the team, bought as a cloud service, or rented as SaaS.</p>");
    for (kind, names) in &d.tooling {
        let class = match kind {
            ToolKind::OpenSource => "k-open",
            ToolKind::Managed => "k-managed",
            ToolKind::Saas => "k-saas",
            ToolKind::Practice => "k-practice",
        };
        let _ = write!(
            h,
            "<div class=\"kind {class}\"><span>{} ({})</span>{}</div>",
            esc(kind_title(*kind)),
            names.len(),
            chips(names)
        );
    }
    h.push_str("</section>\n");
    let _ = write!(
        h,
        "<section class=\"dilemma platforms\"><h2>Platforms</h2><p><strong>{}</strong></p>",
        esc(&d.platform_verdict())
    );
    if !d.platforms.is_empty() {
        h.push_str("<ul>");
        for p in &d.platforms {
            let _ = write!(
                h,
                "<li title=\"{}\"><strong>{}</strong>: {}</li>",
                esc(&p.evidence.join("\n")),
                esc(p.name),
                esc(&page::capped(&p.evidence, SHOWN_PLATFORM_EVIDENCE))
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>\n");
    let _ = writeln!(
        h,
        "<section class=\"dilemma skills\"><h2>Skills</h2><p class=\"note\">Languages</p><p>{}</p><p class=\"note\">ML frameworks and notebooks</p>{}<p class=\"note\">Infrastructure</p>{}</section>",
        d.languages
            .as_deref()
            .map_or_else(|| "none found".to_string(), esc),
        chips(&d.frameworks),
        chips(&d.infrastructure)
    );
}

fn dora_section(report: &Report, h: &mut String) {
    h.push_str("<section class=\"dora\"><h2>Delivery (DORA)</h2>");
    let Some(d) = &report.dora else {
        h.push_str("<p class=\"note\">Not estimated: the history was not read (--no-git, or not a git repository).</p></section>\n");
        return;
    };
    h.push_str("<table class=\"dora\">");
    for r in super::dora::summary_rows(d) {
        let _ = write!(
            h,
            "<tr title=\"{}\"><td>{}</td><td>{}</td><td class=\"band-{}\">{}</td></tr>",
            esc(&r.detail),
            esc(r.metric),
            esc(&r.value),
            esc(r.band),
            esc(r.band)
        );
    }
    let _ = writeln!(
        h,
        "</table><p class=\"note\">Estimated from git history: {}. Window {} to {}{}. Bands: {}.</p></section>",
        esc(&d.method),
        esc(&d.window.since),
        esc(&d.window.until),
        if d.partial { ", partial history" } else { "" },
        esc(&d.bands.source)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_from_the_repository_is_escaped() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn compact_answers_drop_locations_kept_for_hover() {
        let ev = vec![
            "Dockerfile:10".to_string(),
            "requirements.txt:7".to_string(),
        ];
        assert_eq!(
            compact(
                "online; evidence: Docker (Dockerfile:10), FastAPI model API (requirements.txt:7)",
                &ev
            ),
            "online; evidence: Docker, FastAPI model API"
        );
        assert_eq!(
            compact("see Dockerfile:10 now", &ev),
            "see Dockerfile:10 now"
        );
        assert_eq!(
            compact("Kubernetes (Istio, Dockerfile:10), batch", &ev),
            "Kubernetes (Istio), batch"
        );
        assert_eq!(compact("Kubernetes (Dockerfile:10)", &ev), "Kubernetes");
    }
}
