-- Top pages of one round by math_score, up to a token budget (ties broken by id: reproducible).
-- {scores}: this round's math_scores files; {previous}: the previous round's selection (or an empty relation);
-- {threshold}: minimum score; {budget}: token budget (a huge number when unset).
WITH ranked AS (
    SELECT id, url, domain, round, math_score, n_tokens,
           row_number() OVER w AS rank,
           sum(n_tokens) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_tokens
    FROM read_parquet({scores}, hive_partitioning = false)
    WHERE math_score >= {threshold}
    WINDOW w AS (ORDER BY math_score DESC, id)
)
SELECT r.id, r.url, r.domain, r.round, r.math_score, r.n_tokens, r.rank, r.cum_tokens,
       p.id IS NULL AS new
FROM ranked r
LEFT JOIN (SELECT DISTINCT id FROM {previous}) p ON p.id = r.id
WHERE r.cum_tokens <= {budget}
ORDER BY r.rank
