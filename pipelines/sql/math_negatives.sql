-- Random negatives from the pages (seeded, reproducible: ordered by a hash of id and seed),
-- excluding known positives and the previous round's selection (our choice: pages the last
-- classifier collected are likely math, and training on them as negatives fights the seed).
-- {markup}: with negatives_skip_math_markup, pages whose extraction found math markup are skipped
-- too (our choice: a few percent of web pages, but nearly all of them math, so label noise).
SELECT p.text
FROM read_parquet({pages}, hive_partitioning = false) p
WHERE p.text IS NOT NULL AND length(p.text) > 0
  AND p.id NOT IN (SELECT id FROM {exclude})
  {markup}
ORDER BY md5(p.id || '|' || {seed}), p.id
LIMIT {limit}
