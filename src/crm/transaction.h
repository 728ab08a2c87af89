/* transaction.h — transactions (purchases, returns) of customers: the
 * entity, the all-or-nothing bulk import over the API and from CSV, money
 * parsing, and moving a merged customer's transactions. */
#ifndef GX_CRM_TRANSACTION_H
#define GX_CRM_TRANSACTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "entity/entity.h"

struct gx_tz;

extern const struct gx_entity gx_transactions_entity;

/* Registers the entity with the engine. */
void gx_transaction_module_init(void);

/* The most rows one bulk request takes. */
#define GX_TX_BULK_MAX 10000

/* Imports items (a JSON array of transaction objects, each naming its
 * customer by customer_id or customer_code) in one transaction: every row is
 * checked first; with any row error nothing is written and *row_errors (caller
 * owns) lists them all as {"row" (index in items), "field", "code",
 * "message"} and GX_EINVAL is returned. A row whose external_ref exists with
 * the same content is skipped and reported. *out = {"created", "skipped",
 * "skipped_rows": [{"row", "external_ref", "id"}], "ids"}. GX_ETOOBIG above
 * GX_TX_BULK_MAX rows. */
int gx_transactions_bulk(struct gx_ctx *ctx, const json_t *items, json_t **out, json_t **row_errors);

/* What a CSV import did. */
struct gx_tx_import_summary {
	int64_t rows, created, skipped, failed, batches_committed;
	json_t *errors; /* [{"row" (line in the file, header = 1), "field", "code", "message"}], first 1000 */
};

/* Imports a CSV file (header: customer_code or customer_id, occurred_at,
 * amount, and optionally cost, currency, channel, product, category,
 * external_ref (required), quantity, notes; amounts as decimal text such as
 * 12.34, converted exactly to minor units). batch_rows 0 makes the whole file
 * one all-or-nothing batch; otherwise every batch_rows rows commit on their
 * own. The same checks as the API. sum->errors is owned by the caller.
 * GX_EINVAL when rows failed (nothing of the failing batch is written),
 * GX_EIO on a bad file. */
int gx_transactions_import_csv(struct gx_store *s, int64_t tenant_id, FILE *f, int64_t batch_rows,
			       struct gx_tx_import_summary *sum);

/* Moves every transaction of customer `from` to `into` in c's open write
 * transaction (customer merge), with history, audit and both customers'
 * statistics. GX_ECONFLICT when their currencies differ. *moved may be NULL. */
int gx_transactions_move(struct gx_ctx *ctx, struct gx_conn *c, int64_t from, int64_t into,
			 int64_t *moved);

/* Decimal money text ("12.34", "-1,234.5", "7") to minor units of currency
 * (ISO 4217 exponent: 2 for most, 0 for JPY, KRW, ..., 3 for KWD, ...). Returns
 * 0, GX_EINVAL (not a number) or GX_ETOOBIG (more decimals than the currency
 * has, or out of range). */
int gx_money_parse(const char *text, const char *currency, int64_t *out);
/* The minor-unit exponent of an ISO 4217 code. */
int gx_currency_exponent(const char *currency);
/* A transaction time: with a zone as given; a date or a time without zone
 * is local to tz. GX_EINVAL when malformed. */
int gx_tx_time_parse(struct gx_tz *tz, const char *text, int64_t *ms);

#endif
