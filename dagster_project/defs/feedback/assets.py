"""Feedback text: the shop's keywords found in every refund reason, after-sales reason and survey
comment by jieba, a Chinese word segmenter. It runs in Python (neither DuckDB nor PostgreSQL
segments Chinese), between the first dbt step, which gathers the texts (customer_feedback), and
the activation step, whose churn reasons and feedback topics read the matches."""

import dagster as dg

from dagster_project.defs.shared.nights import NIGHTS, ONE_DAY_PER_RUN
from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse
from feedback import topics
from predictions import tables

FEEDBACK_TEXTS = dg.AssetKey(["marts", "customer_feedback"])
FEEDBACK_KEYWORDS = dg.AssetKey(["reference", "feedback_keywords"])


@dg.asset(
    partitions_def=NIGHTS,
    backfill_policy=ONE_DAY_PER_RUN,
    key=["marts", "feedback_text_keywords"],
    deps=[FEEDBACK_TEXTS, FEEDBACK_KEYWORDS],
    group_name="feedback",
    kinds={"python", "jieba"},
    pool=WAREHOUSE_POOL,
    description=(
        "The shop's keywords (seed feedback_keywords) found by jieba in every distinct feedback "
        "text, re-read every night so an edited keyword list applies to all history."
    ),
)
def feedback_text_keywords(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    as_of = warehouse.as_of(context)
    keywords = warehouse.read_frame("select keyword from reference.feedback_keywords")
    texts = warehouse.read_frame(
        "select feedback_text, count(*) as mentions from marts.customer_feedback "
        "group by feedback_text"
    )
    matcher = topics.KeywordMatcher.build(
        keywords["keyword"], cache_dir=warehouse.settings().warehouse.parent / "jieba"
    )
    matches = topics.keyword_matches(texts["feedback_text"], matcher)
    matches["as_of_date"] = as_of
    written = warehouse.write_table(tables.table("feedback_text_keywords"), matches)
    matched = texts["feedback_text"].map(topics.text_key).isin(matches["text_key"])
    unmatched = texts[~matched].sort_values("mentions", ascending=False).head(10)
    if not texts.empty and not matched.any():
        context.log.warning("no feedback text says any keyword of seed feedback_keywords")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": written,
            "distinct_texts": len(texts),
            "texts_with_a_keyword": int(matched.sum()),
            "keywords": len(matcher.keywords),
            # what the keyword list misses, most written first: candidates for new keywords
            "commonest_texts_without_a_keyword": dg.MetadataValue.md(
                unmatched.to_markdown(index=False) if len(unmatched) else "(none)"
            ),
        }
    )
