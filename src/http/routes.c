/*
 * The route table: every API file's routes, in the order they are tried.
 * To add an API, write api_<topic>.c exporting
 * `const lg_http_route_t lg_http_routes_<topic>[]` (ended by {0}) and list
 * it here. Anything no route claims is a 404 under /api/, and a static
 * file of the web client elsewhere.
 */
#include "http/http_int.h"

extern const lg_http_route_t lg_http_routes_health[];
extern const lg_http_route_t lg_http_routes_auth[];
extern const lg_http_route_t lg_http_routes_layers[];
extern const lg_http_route_t lg_http_routes_ledger[];
extern const lg_http_route_t lg_http_routes_checks[];
extern const lg_http_route_t lg_http_routes_tiles[];
extern const lg_http_route_t lg_http_routes_cases[];
extern const lg_http_route_t lg_http_routes_metrics[];
extern const lg_http_route_t lg_http_routes_stock[];
extern const lg_http_route_t lg_http_routes_quota[];
extern const lg_http_route_t lg_http_routes_monitor[];
extern const lg_http_route_t lg_http_routes_industry[];
extern const lg_http_route_t lg_http_routes_consol[];

const lg_http_route_t *const lg_http_route_tables[] = {
    lg_http_routes_health,  lg_http_routes_auth,
    lg_http_routes_layers,  lg_http_routes_ledger,
    lg_http_routes_checks,  lg_http_routes_tiles,
    lg_http_routes_cases,   lg_http_routes_metrics,
    lg_http_routes_stock,   lg_http_routes_quota,
    lg_http_routes_monitor, lg_http_routes_industry,
    lg_http_routes_consol,  NULL,
};
