-- Domain discovery (DeepSeekMath: a domain with more than {share} of its pages collected is
-- math-related), then the URL path prefixes inside math domains, ranked for review.
-- {scores}, {selected}: this round's files; {prefix}: SQL expression of a page's prefix from url;
-- {prefiltered}: a relation (domain, prefix, pages) of pages the fast-mode ingest never extracted.
WITH pre AS (SELECT * FROM {prefiltered}),
pre_domains AS (SELECT domain, sum(pages) AS pages FROM pre GROUP BY domain),
pages AS (
    SELECT s.id, s.url, coalesce(s.domain, s.host) AS domain, s.math_score,
           sel.id IS NOT NULL AS collected
    FROM read_parquet({scores}, hive_partitioning = false) s
    LEFT JOIN (SELECT DISTINCT id FROM read_parquet({selected}, hive_partitioning = false)) sel ON sel.id = s.id
),
scored AS (
    SELECT domain, count(*) AS pages, count(*) FILTER (WHERE collected) AS collected,
           avg(math_score) AS mean_score
    FROM pages WHERE domain IS NOT NULL    -- a page without a host (a local file) has no domain to find
    GROUP BY domain
),
domains AS (    -- a domain with prefiltered pages only has nothing collected: not listed
    SELECT s.domain, s.pages + coalesce(d.pages, 0) AS pages, s.collected, s.mean_score
    FROM scored s LEFT JOIN pre_domains d ON d.domain = s.domain
),
flagged AS (
    SELECT *, collected / pages AS collected_share,
           collected / pages > {share} AND pages >= {min_pages} AS math_domain
    FROM domains
),
scored_prefixes AS (
    SELECT p.domain, {prefix} AS prefix, count(*) AS pages, count(*) FILTER (WHERE p.collected) AS collected,
           avg(p.math_score) AS mean_score
    FROM pages p JOIN flagged f ON f.domain = p.domain AND f.math_domain
    GROUP BY ALL
),
prefixes AS (  -- a prefix of a math domain whose pages were all prefiltered is listed too (0 collected)
    SELECT coalesce(s.domain, x.domain) AS domain, coalesce(s.prefix, x.prefix) AS prefix,
           coalesce(s.pages, 0) + coalesce(x.pages, 0) AS pages, coalesce(s.collected, 0) AS collected,
           s.mean_score
    FROM scored_prefixes s
    FULL JOIN (SELECT x.* FROM pre x JOIN flagged f ON f.domain = x.domain AND f.math_domain) x
      ON x.domain = s.domain AND x.prefix = s.prefix
)
SELECT {round} AS round, 'domain' AS level, domain, NULL AS prefix, pages, collected, collected_share,
       mean_score, math_domain, NULL AS decision, NULL AS decided_by
FROM flagged
UNION ALL
SELECT {round}, 'prefix', domain, prefix, pages, collected, collected / pages, mean_score, NULL, NULL, NULL
FROM prefixes
ORDER BY level, math_domain DESC NULLS LAST, collected_share DESC, pages DESC, domain, prefix
