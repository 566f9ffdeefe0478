-- Pages under accepted math prefixes that the round did not collect: they join the next seed.
-- {match}: SQL condition over s.url true when the page lies under an accepted prefix (and names it).
SELECT {round} AS round, s.id, s.url, {matched} AS prefix, s.math_score, pg.text
FROM read_parquet({scores}, hive_partitioning = false) s
JOIN read_parquet({pages}, hive_partitioning = false) pg ON pg.id = s.id
WHERE ({match})
  AND s.id NOT IN (SELECT id FROM read_parquet({selected}, hive_partitioning = false))
  AND pg.text IS NOT NULL
ORDER BY s.id
