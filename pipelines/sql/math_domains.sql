-- Domain discovery (DeepSeekMath: a domain with more than {share} of its pages collected is
-- math-related), then the URL path prefixes inside math domains, ranked for review.
-- {scores}, {selected}: this round's files; {prefix}: SQL expression of a page's prefix from url.
WITH pages AS (
    SELECT s.id, s.url, coalesce(s.domain, s.host) AS domain, s.math_score,
           sel.id IS NOT NULL AS collected
    FROM read_parquet({scores}, hive_partitioning = false) s
    LEFT JOIN (SELECT DISTINCT id FROM read_parquet({selected}, hive_partitioning = false)) sel ON sel.id = s.id
),
domains AS (
    SELECT domain, count(*) AS pages, count(*) FILTER (WHERE collected) AS collected,
           avg(math_score) AS mean_score
    FROM pages GROUP BY domain
),
flagged AS (
    SELECT *, collected / pages AS collected_share,
           collected / pages > {share} AND pages >= {min_pages} AS math_domain
    FROM domains
),
prefixes AS (
    SELECT p.domain, {prefix} AS prefix, count(*) AS pages, count(*) FILTER (WHERE p.collected) AS collected,
           avg(p.math_score) AS mean_score
    FROM pages p JOIN flagged f ON f.domain = p.domain AND f.math_domain
    GROUP BY ALL
)
SELECT {round} AS round, 'domain' AS level, domain, NULL AS prefix, pages, collected, collected_share,
       mean_score, math_domain, NULL AS decision, NULL AS decided_by
FROM flagged
UNION ALL
SELECT {round}, 'prefix', domain, prefix, pages, collected, collected / pages, mean_score, NULL, NULL, NULL
FROM prefixes
ORDER BY level, math_domain DESC NULLS LAST, collected_share DESC, pages DESC, domain, prefix
