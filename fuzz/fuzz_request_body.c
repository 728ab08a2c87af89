/* fuzz_request_body.c — libFuzzer target over the request-body entry point:
 * the bytes a client sends as a JSON body go through the same checks a
 * handler runs (UTF-8, JSON parse with duplicate keys rejected, object
 * check) and then entity validation for users and teams, for create and for
 * update, and list-parameter parsing. Nothing may crash, leak or hang. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8.h"
#include "crm/user.h"
#include "entity/entity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!gx_utf8_valid((const char *)data, size))
		return 0;
	json_error_t err;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		return 0;
	if (json_is_object(j)) {
		const struct gx_entity *es[] = {&gx_users_entity, &gx_teams_entity};
		for (int i = 0; i < 2; i++) {
			for (int create = 0; create < 2; create++) {
				struct gx_errors errs = {0};
				gx_entity_validate(es[i], j, create, &errs);
				json_decref(errs.list);
			}
			/* every string member as a list parameter */
			struct gx_arena a;
			gx_arena_init(&a, 1 << 20);
			struct gx_ctx ctx = {.arena = &a, .tenant_id = 1};
			struct gx_list_query q;
			gx_list_init(es[i], &q);
			const char *key;
			json_t *v;
			json_object_foreach(j, key, v) {
				if (json_is_string(v)) {
					struct gx_errors errs = {0};
					gx_list_param(&ctx, es[i], &q, key, json_string_value(v), &errs);
					json_decref(errs.list);
				}
			}
			gx_arena_free(&a);
		}
	}
	json_decref(j);
	return 0;
}
