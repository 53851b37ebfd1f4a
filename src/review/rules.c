/*
 * Rule sets: every threshold, list and table the compliance check judges
 * by, kept as a JSON document rather than in code, so that a bureau's
 * administrator can change them (DOMAIN.md: tunable legal values are data
 * with the law's defaults). The built-in default is data/rules/default.json
 * compiled into the binary; each replacement is stored as a new numbered
 * version in lg_rule_sets and never edited, so every report can name the
 * version it used and be re-read against it later.
 *
 * Parsing validates the whole document up front and names the offending
 * field, so a check never meets a malformed rule half-way through.
 */
#include "review/review_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ledger/ledger.h"

extern const unsigned char lg_review_default_rules[];
extern const size_t lg_review_default_rules_len;

const char *const lg_major_keys[LG_MAJOR_N] = {"agricultural", "construction", "unused",
                                               "unclassified"};

const char *lg_review_rules_default_json(void) { return (const char *)lg_review_default_rules; }

/* ---- Validation --------------------------------------------------------- */

typedef struct vctx {
  lg_err_t *err;
  int rc;
} vctx_t;

static void vfail(vctx_t *v, const char *path, const char *what) {
  if (v->rc) return;
  v->rc = lg_err_set(v->err, LG_EINVAL, "规则集字段 %s %s", path, what);
  lg_err_where(v->err, "%s", path);
}

static const char *jtype_name(int t) {
  switch (t) {
  case JSON_OBJECT:
    return "对象";
  case JSON_ARRAY:
    return "数组";
  case JSON_STRING:
    return "字符串";
  case JSON_INTEGER:
    return "整数";
  case JSON_REAL:
    return "数值";
  case JSON_TRUE:
    return "布尔值";
  default:
    return "值";
  }
}

/* The member key of obj, which must have JSON type `type` (JSON_REAL
 * accepts integers too, JSON_TRUE accepts both booleans). */
static const json_t *need(vctx_t *v, const json_t *obj, const char *path, const char *key,
                          int type) {
  char p[256];
  snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
  const json_t *x = obj ? json_object_get(obj, key) : NULL;
  if (!x) {
    vfail(v, p, "缺失");
    return NULL;
  }
  bool ok = type == JSON_REAL   ? json_is_number(x)
            : type == JSON_TRUE ? json_is_boolean(x)
                                : (int)json_typeof(x) == type;
  if (!ok) {
    char m[96];
    snprintf(m, sizeof m, "应为%s", jtype_name(type));
    vfail(v, p, m);
    return NULL;
  }
  return x;
}

static double need_num(vctx_t *v, const json_t *obj, const char *path, const char *key, double lo,
                       double hi) {
  const json_t *x = need(v, obj, path, key, JSON_REAL);
  if (!x) return 0;
  double d = json_number_value(x);
  if (!(d >= lo && d <= hi)) {
    char p[256], m[128];
    snprintf(p, sizeof p, "%s.%s", path, key);
    snprintf(m, sizeof m, "应在 %g 到 %g 之间, 实为 %g", lo, hi, d);
    vfail(v, p, m);
  }
  return d;
}

static void need_strings(vctx_t *v, const json_t *obj, const char *path, const char *key,
                         bool nonempty) {
  const json_t *a = need(v, obj, path, key, JSON_ARRAY);
  if (!a) return;
  size_t i;
  const json_t *x;
  json_array_foreach(a, i, x) if (!json_is_string(x)) {
    char p[256];
    snprintf(p, sizeof p, "%s.%s[%zu]", path, key, i);
    vfail(v, p, "应为字符串");
  }
  if (nonempty && json_array_size(a) == 0) {
    char p[256];
    snprintf(p, sizeof p, "%s.%s", path, key);
    vfail(v, p, "不能为空");
  }
}

static bool str_in(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

static void need_enum(vctx_t *v, const json_t *obj, const char *path, const char *key,
                      const char *const *allowed) {
  const json_t *x = need(v, obj, path, key, JSON_STRING);
  if (x && !str_in(json_string_value(x), allowed)) {
    char p[256], m[256];
    snprintf(p, sizeof p, "%s.%s", path, key);
    snprintf(m, sizeof m, "取值 \"%s\" 无效", json_string_value(x));
    vfail(v, p, m);
  }
}

static const char *const effects[] = {"pass", "conditional", "prohibited", NULL};
static const char *const levels[] = {"none", "county", "city", "province", "state_council", NULL};
static const char *const majors[] = {"agricultural", "construction", "unused", NULL};

/* Every entry of a type list must be a project type the rule set defines. */
static void need_types(vctx_t *v, const json_t *obj, const char *path, const char *key,
                       const json_t *types) {
  need_strings(v, obj, path, key, false);
  if (v->rc) return;
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(obj, key), i,
                     x) if (!json_object_get(types, json_string_value(x))) {
    char p[256], m[256];
    snprintf(p, sizeof p, "%s.%s[%zu]", path, key, i);
    snprintf(m, sizeof m, "项目类型 \"%s\" 未在 project_types 中定义", json_string_value(x));
    vfail(v, p, m);
  }
}

static void check_decision(vctx_t *v, const json_t *o, const char *path) {
  need(v, o, path, "level", JSON_STRING);
  need_enum(v, o, path, "level", levels);
  need_strings(v, o, path, "articles", true);
  need(v, o, path, "text", JSON_STRING);
}

static void validate(vctx_t *v, const json_t *d) {
  if (!json_is_object(d)) {
    vfail(v, "(根)", "应为 JSON 对象");
    return;
  }
  const json_t *fmt = need(v, d, "", "format", JSON_INTEGER);
  if (fmt && json_integer_value(fmt) != 1) vfail(v, "format", "只支持格式 1");
  need(v, d, "", "name", JSON_STRING);
  const json_t *val = need(v, d, "", "validation", JSON_OBJECT);
  need_num(v, val, "validation", "duplicate_tolerance_m", 0, 1000);
  need_num(v, val, "validation", "spike_angle_deg", 0, 90);
  need(v, val, "validation", "exterior_clockwise", JSON_TRUE);
  need_num(v, val, "validation", "max_points", 4, 1e8);
  /* Optional: ring direction by format (validate.c). */
  const json_t *orient = val ? json_object_get(val, "orientation") : NULL;
  if (orient && !json_is_object(orient)) vfail(v, "validation.orientation", "应为对象");
  const char *ok;
  const json_t *ox;
  if (json_is_object(orient)) json_object_foreach((json_t *)orient, ok, ox) {
      char p[160];
      snprintf(p, sizeof p, "validation.orientation.%s", ok);
      need(v, ox, p, "exterior_clockwise", JSON_TRUE);
      need(v, ox, p, "basis", JSON_STRING);
    }
  need_num(v, d, "", "sliver_m2", 0, 1e6);
  need_num(v, d, "", "max_pieces", 0, 1e7);
  const json_t *types = need(v, d, "", "project_types", JSON_OBJECT);
  if (v->rc) return;
  const char *k;
  const json_t *x;
  json_object_foreach((json_t *)types, k, x) if (!json_is_string(x)) {
    char p[256];
    snprintf(p, sizeof p, "project_types.%s", k);
    vfail(v, p, "应为中文名称字符串");
  }

  const json_t *systems = need(v, d, "", "code_systems", JSON_ARRAY);
  size_t i;
  const json_t *cs;
  if (systems) json_array_foreach(systems, i, cs) {
      char p[64];
      snprintf(p, sizeof p, "code_systems[%zu]", i);
      need(v, cs, p, "id", JSON_STRING);
      need(v, cs, p, "title", JSON_STRING);
      need_strings(v, cs, p, "fields", true);
      need_strings(v, cs, p, "cultivated", false);
      need_strings(v, cs, p, "paddy", false);
      const json_t *mc = need(v, cs, p, "major_classes", JSON_OBJECT);
      if (mc) json_object_foreach((json_t *)mc, k, x) {
          if (!json_is_string(x) || !str_in(json_string_value(x), majors) || strlen(k) >= 16) {
            char q[128];
            snprintf(q, sizeof q, "%s.major_classes.%s", p, k);
            vfail(v, q, "应为 agricultural、construction 或 unused (编码前缀不超过 15 字符)");
          }
        }
      const json_t *names = json_object_get(cs, "names");
      if (names && !json_is_object(names)) vfail(v, p, "的 names 应为对象");
    }
  const json_t *cm = need(v, d, "", "code_match", JSON_ARRAY);
  const json_t *e;
  if (cm) json_array_foreach(cm, i, e) {
      char p[64];
      snprintf(p, sizeof p, "code_match[%zu]", i);
      need(v, e, p, "a", JSON_STRING);
      need(v, e, p, "b", JSON_STRING);
      const json_t *pairs = need(v, e, p, "pairs", JSON_ARRAY);
      size_t j;
      const json_t *pr;
      if (pairs) json_array_foreach(pairs, j, pr) {
          if (!json_is_array(pr) || json_array_size(pr) != 2 ||
              !json_is_string(json_array_get(pr, 0)) || !json_is_string(json_array_get(pr, 1))) {
            char q[96];
            snprintf(q, sizeof q, "%s.pairs[%zu]", p, j);
            vfail(v, q, "应为两个编码组成的数组");
          }
        }
    }

  const json_t *au = need(v, d, "", "authority", JSON_OBJECT);
  need(v, au, "authority", "levels", JSON_OBJECT);
  const json_t *conv = need(v, au, "authority", "conversion", JSON_OBJECT);
  if (conv) {
    check_decision(v, need(v, conv, "authority.conversion", "pbf", JSON_OBJECT),
                   "authority.conversion.pbf");
    check_decision(v, need(v, conv, "authority.conversion", "inside_scale", JSON_OBJECT),
                   "authority.conversion.inside_scale");
    check_decision(v, need(v, conv, "authority.conversion", "outside_scale", JSON_OBJECT),
                   "authority.conversion.outside_scale");
    need_num(v, conv, "authority.conversion", "inside_scale_min_share", 0, 1);
    need(v, conv, "authority.conversion", "inside_scale_plan_construction", JSON_TRUE);
  }
  const json_t *ex = need(v, au, "authority", "expropriation", JSON_OBJECT);
  if (ex) {
    need_num(v, ex, "authority.expropriation", "cultivated_ha", 0, 1e7);
    need_num(v, ex, "authority.expropriation", "other_ha", 0, 1e7);
    check_decision(v, need(v, ex, "authority.expropriation", "state_council", JSON_OBJECT),
                   "authority.expropriation.state_council");
    check_decision(v, need(v, ex, "authority.expropriation", "province", JSON_OBJECT),
                   "authority.expropriation.province");
    need(v, ex, "authority.expropriation", "joint_article", JSON_STRING);
    const json_t *of = json_object_get(ex, "ownership_field");
    if (of && !json_is_string(of) && !json_is_null(of))
      vfail(v, "authority.expropriation.ownership_field", "应为字段名或 null");
    if (json_object_get(ex, "state_owned_codes"))
      need_strings(v, ex, "authority.expropriation", "state_owned_codes", false);
  }

  const json_t *ctl = need(v, d, "", "controls", JSON_OBJECT);
  static const char *const guarded[] = {"eprl", "pbf"};
  for (size_t gi = 0; ctl && gi < 2; gi++) {
    char p[64];
    snprintf(p, sizeof p, "controls.%s", guarded[gi]);
    const json_t *c = need(v, ctl, "controls", guarded[gi], JSON_OBJECT);
    need_enum(v, c, p, "effect", effects);
    need(v, c, p, "rule", JSON_STRING);
    need_strings(v, c, p, "basis", false);
    need_types(v, c, p, "allowed_types", types);
    need_enum(v, c, p, "allowed_effect", effects);
    need_strings(v, c, p, "allowed_conditions", false);
  }
  if (ctl) {
    const json_t *u = need(v, ctl, "controls", "udb", JSON_OBJECT);
    need_types(v, u, "controls.udb", "urban_types", types);
    need_num(v, u, "controls.udb", "max_outside_share", 0, 1);
    need_enum(v, u, "controls.udb", "effect", effects);
    need(v, u, "controls.udb", "rule", JSON_STRING);
    need_strings(v, u, "controls.udb", "basis", false);
    need_strings(v, u, "controls.udb", "conditions", false);
    static const char *const simple[] = {"plan", "coverage", "missing_layer"};
    for (size_t si = 0; si < 3; si++) {
      char p[64];
      snprintf(p, sizeof p, "controls.%s", simple[si]);
      const json_t *c = need(v, ctl, "controls", simple[si], JSON_OBJECT);
      if (si < 2) need_num(v, c, p, "min_share", 0, 1);
      need_enum(v, c, p, "effect", effects);
      need(v, c, p, "rule", JSON_STRING);
      need_strings(v, c, p, "conditions", false);
    }
  }

  const json_t *pc = need(v, d, "", "plan_compatibility", JSON_OBJECT);
  need(v, pc, "plan_compatibility", "hierarchical", JSON_TRUE);
  const json_t *ents = need(v, pc, "plan_compatibility", "entries", JSON_ARRAY);
  static const char *const compat[] = {"compatible", "conditional", "incompatible", NULL};
  if (ents) json_array_foreach(ents, i, e) {
      char p[64];
      snprintf(p, sizeof p, "plan_compatibility.entries[%zu]", i);
      need_strings(v, e, p, "use", true);
      need_strings(v, e, p, "plan", true);
      need_enum(v, e, p, "level", compat);
    }

  const json_t *nl = need(v, d, "", "negative_list", JSON_ARRAY);
  static const char *const within[] = {"pbf", "eprl", "cultivated", "udb_outside", NULL};
  if (nl) json_array_foreach(nl, i, e) {
      char p[64];
      snprintf(p, sizeof p, "negative_list[%zu]", i);
      need(v, e, p, "id", JSON_STRING);
      need_enum(v, e, p, "effect", effects);
      need(v, e, p, "rule", JSON_STRING);
      need_strings(v, e, p, "basis", false);
      if (json_object_get(e, "types")) need_types(v, e, p, "types", types);
      if (json_object_get(e, "uses")) need_strings(v, e, p, "uses", false);
      if (!json_object_get(e, "types") && !json_object_get(e, "uses"))
        vfail(v, p, "须给出 types 或 uses");
      const json_t *w = json_object_get(e, "within");
      if (w && !json_is_null(w)) need_enum(v, e, p, "within", within);
    }

  const json_t *fu = need(v, d, "", "followups", JSON_OBJECT);
  static const char *const whens[] = {
      "pbf",        "eprl", "pbf_or_eprl", "cultivated", "expropriation", "new_construction",
      "conversion", NULL};
  if (fu) json_object_foreach((json_t *)fu, k, x) {
      char p[96];
      snprintf(p, sizeof p, "followups.%s", k);
      need(v, x, p, "title", JSON_STRING);
      need_enum(v, x, p, "when", whens);
      need_strings(v, x, p, "basis", false);
      need(v, x, p, "text", JSON_STRING);
    }
}

/* ---- Compiling the lookups ---------------------------------------------- */

static void strings_into(const json_t *a, void *vecp) {
  LG_VEC(char *) *vec = vecp;
  size_t i;
  const json_t *x;
  json_array_foreach(a, i, x) lg_vec_push(vec, lg_strdup(json_string_value(x)));
}

static void compile(lg_rules_t *r) {
  const json_t *systems = json_object_get(r->doc, "code_systems");
  size_t i;
  const json_t *cs;
  json_array_foreach(systems, i, cs) {
    lg_codesys_t c;
    memset(&c, 0, sizeof c);
    snprintf(c.id, sizeof c.id, "%s", json_string_value(json_object_get(cs, "id")));
    c.title = json_string_value(json_object_get(cs, "title"));
    strings_into(json_object_get(cs, "fields"), &c.fields);
    strings_into(json_object_get(cs, "cultivated"), &c.cultivated);
    strings_into(json_object_get(cs, "paddy"), &c.paddy);
    const char *k;
    const json_t *x;
    json_object_foreach(json_object_get(cs, "major_classes"), k, x) {
      lg_prefix_rule_t pr;
      snprintf(pr.prefix, sizeof pr.prefix, "%s", k);
      const char *m = json_string_value(x);
      pr.value = strcmp(m, "agricultural") == 0   ? LG_MAJOR_AGRICULTURAL
                 : strcmp(m, "construction") == 0 ? LG_MAJOR_CONSTRUCTION
                                                  : LG_MAJOR_UNUSED;
      lg_vec_push(&c.major, pr);
    }
    c.names = json_object_get(cs, "names");
    lg_vec_push(&r->systems, c);
  }
}

int lg_review_rules_parse(const char *json, int version, lg_rules_t **out, lg_err_t *err) {
  *out = NULL;
  json_error_t je;
  json_t *doc = json_loads(json, JSON_REJECT_DUPLICATES, &je);
  if (!doc) {
    lg_err_set(err, LG_EINVAL, "规则集不是有效的 JSON: %s", je.text);
    lg_err_where(err, "第 %d 行第 %d 列", je.line, je.column);
    return LG_EINVAL;
  }
  vctx_t v = {err, 0};
  validate(&v, doc);
  if (v.rc) {
    json_decref(doc);
    return v.rc;
  }
  lg_rules_t *r = lg_calloc(1, sizeof *r);
  r->version = version;
  r->doc = doc;
  compile(r);
  *out = r;
  return 0;
}

void lg_review_rules_free(lg_rules_t *r) {
  if (!r) return;
  for (size_t i = 0; i < r->systems.len; i++) {
    lg_codesys_t *c = &r->systems.items[i];
    for (size_t j = 0; j < c->fields.len; j++)
      lg_free(c->fields.items[j]);
    for (size_t j = 0; j < c->cultivated.len; j++)
      lg_free(c->cultivated.items[j]);
    for (size_t j = 0; j < c->paddy.len; j++)
      lg_free(c->paddy.items[j]);
    lg_free(c->fields.items);
    lg_free(c->cultivated.items);
    lg_free(c->paddy.items);
    lg_free(c->major.items);
  }
  lg_free(r->systems.items);
  json_decref(r->doc);
  lg_free(r);
}

int lg_review_rules_version(const lg_rules_t *r) { return r->version; }
const json_t *lg_review_rules_json(const lg_rules_t *r) { return r->doc; }

/* ---- Lookups ------------------------------------------------------------ */

const lg_codesys_t *lg_rules_codesys_for_field(const lg_rules_t *r, const char *field) {
  if (!field || !*field) return NULL;
  for (size_t i = 0; i < r->systems.len; i++)
    for (size_t j = 0; j < r->systems.items[i].fields.len; j++)
      if (strcasecmp(r->systems.items[i].fields.items[j], field) == 0) return &r->systems.items[i];
  return NULL;
}

const lg_codesys_t *lg_rules_codesys(const lg_rules_t *r, const char *id) {
  for (size_t i = 0; i < r->systems.len; i++)
    if (strcmp(r->systems.items[i].id, id) == 0) return &r->systems.items[i];
  return NULL;
}

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

int lg_codesys_major(const lg_codesys_t *cs, const char *code) {
  size_t best = 0;
  int v = LG_MAJOR_UNCLASSIFIED;
  for (size_t i = 0; i < cs->major.len; i++) {
    size_t n = strlen(cs->major.items[i].prefix);
    if (n > best && has_prefix(code, cs->major.items[i].prefix)) {
      best = n;
      v = cs->major.items[i].value;
    }
  }
  return v;
}

static bool any_prefix(char *const *list, size_t n, const char *code) {
  for (size_t i = 0; i < n; i++)
    if (has_prefix(code, list[i])) return true;
  return false;
}

bool lg_codesys_cultivated(const lg_codesys_t *cs, const char *code) {
  return any_prefix(cs->cultivated.items, cs->cultivated.len, code);
}

bool lg_codesys_paddy(const lg_codesys_t *cs, const char *code) {
  return any_prefix(cs->paddy.items, cs->paddy.len, code);
}

const char *lg_codesys_name(const lg_codesys_t *cs, const char *code) {
  if (!cs || !cs->names || !code) return "";
  char buf[32];
  snprintf(buf, sizeof buf, "%s", code);
  for (size_t n = strlen(buf); n > 0; n--) {
    buf[n] = '\0';
    const json_t *x = json_object_get(cs->names, buf);
    if (x) return json_string_value(x);
  }
  return "";
}

/* Hierarchical codes agree when one is a prefix of the other (a plan
 * that says "10" (工矿) admits a project of "1001" (工业)). */
static bool prefix_related(const char *a, const char *b) {
  return *a && *b && (has_prefix(a, b) || has_prefix(b, a));
}

static bool list_match(const json_t *list, const char *code) {
  size_t i;
  const json_t *x;
  json_array_foreach(list, i, x) {
    const char *p = json_string_value(x);
    if (strcmp(p, "*") == 0 || has_prefix(code, p)) return true;
  }
  return false;
}

int lg_rules_plan_compat(const lg_rules_t *r, const char *use, const char *plan_code,
                         const char **note) {
  const json_t *pc = json_object_get(r->doc, "plan_compatibility");
  if (note) *note = NULL;
  if (json_is_true(json_object_get(pc, "hierarchical")) && prefix_related(use, plan_code))
    return LG_COMPAT_YES;
  if (strcmp(use, plan_code) == 0) return LG_COMPAT_YES;
  /* The first matching table entry decides, so an administrator can put
   * specific rows before general ones. */
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(pc, "entries"), i, e) {
    if (list_match(json_object_get(e, "use"), use) &&
        list_match(json_object_get(e, "plan"), plan_code)) {
      const char *lv = json_string_value(json_object_get(e, "level"));
      if (note) *note = json_string_value(json_object_get(e, "note"));
      return strcmp(lv, "compatible") == 0    ? LG_COMPAT_YES
             : strcmp(lv, "conditional") == 0 ? LG_COMPAT_CONDITIONAL
                                              : LG_COMPAT_NO;
    }
  }
  return LG_COMPAT_NO;
}

bool lg_rules_codes_agree(const lg_rules_t *r, const lg_codesys_t *sa, const char *a,
                          const lg_codesys_t *sb, const char *b) {
  if (!a || !b || !*a || !*b) return false;
  if ((!sa || !sb || sa == sb) && prefix_related(a, b)) return true;
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(r->doc, "code_match"), i, e) {
    const char *ea = json_string_value(json_object_get(e, "a"));
    const char *eb = json_string_value(json_object_get(e, "b"));
    bool fwd = sa && sb && strcmp(ea, sa->id) == 0 && strcmp(eb, sb->id) == 0;
    bool rev = sa && sb && strcmp(ea, sb->id) == 0 && strcmp(eb, sa->id) == 0;
    if (!fwd && !rev) continue;
    const char *x = fwd ? a : b, *y = fwd ? b : a;
    size_t j;
    const json_t *pr;
    /* A pair maps a class of one system to a class of the other; a code
     * agrees with the pair when it is that class or a subclass of it, and
     * the other code when it is that class, a subclass or a parent (a plan
     * zone "03" agrees with a 0301 forest patch). */
    json_array_foreach(json_object_get(e, "pairs"), j, pr) {
      const char *px = json_string_value(json_array_get(pr, 0));
      const char *py = json_string_value(json_array_get(pr, 1));
      if ((has_prefix(x, px) && prefix_related(y, py)) ||
          (has_prefix(y, py) && prefix_related(x, px)))
        return true;
    }
  }
  return false;
}

const char *lg_rules_type_title(const lg_rules_t *r, const char *type) {
  const json_t *t = json_object_get(json_object_get(r->doc, "project_types"), type);
  return t ? json_string_value(t) : NULL;
}

const json_t *lg_rules_get(const lg_rules_t *r, const char *path) {
  const json_t *cur = r->doc;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && cur;
       tok = strtok_r(NULL, ".", &save))
    cur = json_object_get(cur, tok);
  return cur;
}

double lg_rules_num(const lg_rules_t *r, const char *path, double dflt) {
  const json_t *x = lg_rules_get(r, path);
  return x && json_is_number(x) ? json_number_value(x) : dflt;
}

bool lg_rules_list_has(const lg_rules_t *r, const char *path, const char *s) {
  const json_t *a = lg_rules_get(r, path);
  size_t i;
  const json_t *x;
  if (!s) return false;
  json_array_foreach(a, i,
                     x) if (json_is_string(x) && strcmp(json_string_value(x), s) == 0) return true;
  return false;
}

const char *lg_review_level_title(const lg_rules_t *r, const char *level) {
  const json_t *t = json_object_get(lg_rules_get(r, "authority.levels"), level);
  return t ? json_string_value(t) : level;
}

void lg_code_normalise(const char *in, char *out, size_t n) {
  if (!in) in = "";
  while (*in == ' ')
    in++;
  size_t len = strlen(in);
  while (len > 0 && in[len - 1] == ' ')
    len--;
  bool digits = len > 0;
  for (size_t i = 0; i < len; i++)
    if (in[i] < '0' || in[i] > '9') digits = false;
  /* Class codes have an even number of digits (01, 0101, 010101). */
  if (digits && len % 2 == 1)
    snprintf(out, n, "0%.*s", (int)len, in);
  else
    snprintf(out, n, "%.*s", (int)len, in);
}

/* ---- Stored versions ---------------------------------------------------- */

static bool table_exists(lg_store_t *s) { return lg_store_table_exists(s, "lg_rule_sets"); }

static int load_version(lg_store_t *s, int version, lg_rules_t **out, lg_err_t *err) {
  *out = NULL;
  if (!table_exists(s)) {
    if (version <= 1) return lg_review_rules_parse(lg_review_rules_default_json(), 1, out, err);
    return lg_err_set(err, LG_ENOTFOUND, "规则集版本 %d 不存在", version);
  }
  lg_stmt_t *st;
  const char *sql = version > 0
                        ? "SELECT version, body FROM lg_rule_sets WHERE version = ?"
                        : "SELECT version, body FROM lg_rule_sets ORDER BY version DESC LIMIT 1";
  if (lg_store_prepare(s, sql, &st, NULL) != 0) return lg_store_fail(s, err, "读取规则集失败");
  if (version > 0) lg_store_bind_int(st, 1, version);
  int rc;
  if (lg_store_step(st) == LG_ROW) {
    int v = lg_store_col_int(st, 0);
    rc = lg_review_rules_parse(lg_store_col_text(st, 1), v, out, err);
    if (rc) lg_err_prefix(err, "已保存的规则集版本 %d 无效: ", v);
  } else if (version <= 1) {
    /* Nothing saved yet: the built-in default is version 1. */
    rc = lg_review_rules_parse(lg_review_rules_default_json(), 1, out, err);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "规则集版本 %d 不存在", version);
  }
  lg_store_done(st);
  return rc;
}

int lg_review_rules_current(lg_store_t *s, lg_rules_t **out, lg_err_t *err) {
  return load_version(s, 0, out, err);
}

int lg_review_rules_get(lg_store_t *s, int version, lg_rules_t **out, lg_err_t *err) {
  if (version <= 0) return lg_err_set(err, LG_EINVAL, "规则集版本号应为正整数, 得到 %d", version);
  return load_version(s, version, out, err);
}

static int insert_version(lg_store_t *s, int version, const char *body, const char *name,
                          const char *actor, const char *note, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "INSERT INTO lg_rule_sets(version, name, body, actor, note, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       &st, NULL) != 0)
    return lg_store_fail(s, err, "保存规则集失败");
  char ts[32];
  lg_time_iso(lg_now(), ts);
  lg_store_bind_int(st, 1, version);
  lg_store_bind_text(st, 2, name);
  lg_store_bind_text(st, 3, body);
  lg_store_bind_text(st, 4, actor ? actor : "system");
  if (note) lg_store_bind_text(st, 5, note);
  lg_store_bind_text(st, 6, ts);
  int rc = lg_store_step(st) == LG_DONE ? 0 : lg_store_fail(s, err, "保存规则集失败");
  lg_store_done(st);
  if (rc) return rc;
  /* The rule set decides verdicts: who changed it, and to what, is on the
   * ledger (its state is the document itself). */
  json_t *state = json_loads(body, 0, NULL);
  char id[32];
  snprintf(id, sizeof id, "%d", version);
  lg_ledger_event_t ev = {.actor = actor ? actor : "system",
                          .action = version == 1 && !note ? "rules.default" : "rules.save",
                          .object_type = "rule_set",
                          .object_id = id,
                          .state = state};
  rc = lg_ledger_append(s, &ev, NULL, err);
  json_decref(state);
  return rc;
}

static int max_version(lg_store_t *s) {
  lg_stmt_t *st;
  int v = 0;
  if (lg_store_prepare(s, "SELECT coalesce(max(version), 0) FROM lg_rule_sets", &st, NULL) != 0)
    return -1;
  if (lg_store_step(st) == LG_ROW) v = lg_store_col_int(st, 0);
  lg_store_done(st);
  return v;
}

/* Version 1 must exist once anything refers to it, so that a report
 * naming version 1 can always be re-read. */
int lg_review_rules_ensure_default(lg_store_t *s, lg_err_t *err) {
  if (!table_exists(s))
    return lg_err_set(err, LG_EDB, "数据库缺少规则集表 lg_rule_sets; 请用可写方式打开以完成迁移");
  int have = max_version(s);
  if (have < 0) return lg_store_fail(s, err, "读取规则集版本失败");
  if (have > 0) return 0;
  return insert_version(s, 1, lg_review_rules_default_json(), "默认规则集", "system", NULL, err);
}

int lg_review_rules_save(lg_store_t *s, const char *json, const char *actor, const char *note,
                         int *version, lg_err_t *err) {
  lg_rules_t *r = NULL;
  int rc = lg_review_rules_parse(json, 0, &r, err);
  if (rc) return rc;
  /* Store the document re-serialised compactly, so that whitespace
   * differences do not matter and the stored text is what was parsed. */
  char *body = json_dumps(r->doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
  const char *name = json_string_value(json_object_get(r->doc, "name"));
  char *name_copy = lg_strdup(name ? name : "");
  lg_review_rules_free(r);
  if ((rc = lg_store_begin(s, err)) != 0) goto done;
  rc = lg_review_rules_ensure_default(s, err);
  int v = 0;
  if (rc == 0) {
    v = max_version(s) + 1;
    rc = insert_version(s, v, body, name_copy, actor, note ? note : "", err);
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && version) *version = v;
done:
  free(body);
  lg_free(name_copy);
  return rc;
}

int lg_review_rules_history(lg_store_t *s, json_t **out, lg_err_t *err) {
  *out = json_array();
  if (!table_exists(s) || max_version(s) == 0) {
    json_array_append_new(*out, json_pack("{s:i, s:s, s:s, s:s, s:s, s:b}", "version", 1,
                                          "created_at", "", "actor", "system", "note",
                                          "内置默认规则集 (尚未保存到数据库)", "name", "默认规则集",
                                          "builtin", 1));
    return 0;
  }
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT version, created_at, coalesce(actor, ''), coalesce(note, ''),"
                       " coalesce(name, '') FROM lg_rule_sets ORDER BY version DESC",
                       &st, NULL) != 0) {
    json_decref(*out);
    *out = NULL;
    return lg_store_fail(s, err, "读取规则集历史失败");
  }
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(
        *out,
        json_pack("{s:i, s:s, s:s, s:s, s:s, s:b}", "version", lg_store_col_int(st, 0),
                  "created_at", lg_store_col_text(st, 1), "actor", lg_store_col_text(st, 2), "note",
                  lg_store_col_text(st, 3), "name", lg_store_col_text(st, 4), "builtin", 0));
  lg_store_done(st);
  return 0;
}

int lg_review_rules_audit_scan(lg_store_t *s,
                               int (*emit)(void *ctx, const char *object_id,
                                           const unsigned char digest[32]),
                               void *ctx, lg_err_t *err) {
  if (!table_exists(s)) return 0;
  return lg_ledger_scan_json_rows(s, "SELECT version, body FROM lg_rule_sets ORDER BY version",
                                  "规则集", emit, ctx, err);
}
