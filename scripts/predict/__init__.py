"""Predictive scores: purchase and spend models fitted to a transaction log.

The Python reference for the warehouse scores (pure numpy/scipy, no warehouse access):

- `summary`     a transaction log -> one row per customer: frequency, recency, T, monetary value
- `bgnbd`       BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers
                the easy way"): fit, P(alive), expected purchases, P(purchase within t)
- `gammagamma`  Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV";
                Colombo & Jiang 1999): fit, expected average purchase value
- `clv`         discounted expected value of a customer's purchases over a horizon
- `hypergeometric`  the truncated 2F1 series the SQL mirrors
- `fitting`     the shared maximum-likelihood driver, `FitResult` and `FitError`
- `numeric`     exp and products that flush to 0 instead of underflowing (as Postgres needs)
"""
