/*
 * The condition language of process definitions: what a bureau writes on
 * an exclusive gateway's outgoing flow (`check.verdict == "prohibited"`),
 * as a multi-instance completion condition (`nrOfVetoes > 0 or
 * nrOfApproved == nrOfInstances`) or as a collection (`departments`).
 *
 * A process is drawn by people outside the programme, so conditions are
 * data, never code: a small hand-written recursive-descent parser over
 * JSON variables with no way to reach anything but the variables it is
 * given. Grammar, lowest precedence first:
 *
 *   expr    := or
 *   or      := and ( ("or" | "||") and )*
 *   and     := not ( ("and" | "&&") not )*
 *   not     := ("not" | "!") not | cmp
 *   cmp     := sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum
 *                  | ["not"] "in" sum ]
 *   sum     := term ( ("+" | "-") term )*
 *   term    := unary ( ("*" | "/") unary )*
 *   unary   := "-" unary | primary
 *   primary := number | string | true | false | null | "(" expr ")"
 *            | "[" [ expr ("," expr)* ] "]" | func "(" [ expr ("," expr)* ] ")"
 *            | name ( "." name | "[" (integer | string) "]" )*
 *   func    := len | min | max | coalesce   (a fixed whitelist; coalesce
 *              gives its first argument that is not null: a default)
 *
 * Strings take '...' or "..." with the escapes \" \' \\ \n \t. A whole
 * expression may be wrapped in ${...} as modelers write it. Names are
 * ASCII letters, digits and _ or any non-ASCII (Chinese) characters.
 *
 * Semantics are strict where a silent wrong answer would route a case
 * wrongly: a missing variable is null; == and != compare any values
 * (numbers by value, 1 == 1.0); ordering needs two numbers or two
 * strings, otherwise it is an error naming the position; and/or/not take
 * booleans (null counts as false); a condition must come out boolean or
 * null. Limits on length, nesting and list size keep hostile input from
 * exhausting the stack or memory.
 */
#include "flow/flow_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPR_MAX_LEN 4096 /* bytes of expression text */
#define EXPR_MAX_DEPTH 96 /* parser levels: about three per parenthesis */
#define EXPR_MAX_NODES 2000
#define EXPR_MAX_ITEMS 1000 /* elements of one list literal */

enum { E_LIT, E_PATH, E_LIST, E_NOT, E_NEG, E_AND, E_OR, E_CMP, E_IN, E_NOTIN, E_ARITH, E_CALL };
enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_ADD, OP_SUB, OP_MUL, OP_DIV };
enum { FN_LEN, FN_MIN, FN_MAX, FN_COALESCE };

typedef struct pseg {
  char *name; /* member name, or NULL for an array index */
  long index;
} pseg_t;

typedef struct enode {
  int kind, op;
  int pos; /* 1-based character column where it starts */
  struct enode *a, *b;
  json_t *lit;                  /* E_LIT */
  LG_VEC(struct enode *) items; /* E_LIST, E_CALL */
  LG_VEC(pseg_t) path;          /* E_PATH */
  char *path_text;              /* E_PATH, for messages */
} enode_t;

struct fl_expr {
  char *text;
  enode_t *root;
};

/* ---- Lexer ----------------------------------------------------------------- */

enum {
  T_EOF,
  T_NUM,
  T_STR,
  T_NAME,
  T_LP,
  T_RP,
  T_LB,
  T_RB,
  T_COMMA,
  T_DOT,
  T_EQ,
  T_NE,
  T_LT,
  T_LE,
  T_GT,
  T_GE,
  T_PLUS,
  T_MINUS,
  T_STAR,
  T_SLASH,
  T_NOT,
  T_AND,
  T_OR
};

typedef struct parser {
  const char *src; /* the expression, ${ } removed */
  size_t n;
  size_t p; /* byte offset of the next character */
  int depth, nodes;
  /* current token */
  int tok;
  size_t tstart; /* byte offset where it starts */
  char *tstr;    /* T_STR, T_NAME: its text (owned) */
  double tnum;
  bool tint; /* T_NUM written without fraction or exponent */
  lg_err_t *err;
  const char *orig; /* the text as given, for messages */
  int col_base;     /* characters skipped by ${ */
} parser_t;

static int col_of(const parser_t *ps, size_t off) {
  int c = 1;
  for (size_t i = 0; i < off && i < ps->n; i++)
    if (((unsigned char)ps->src[i] & 0xC0) != 0x80) c++;
  return c + ps->col_base;
}

static int fail_at(parser_t *ps, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(parser_t *ps, size_t off, const char *fmt, ...) {
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  int col = col_of(ps, off);
  lg_err_where(ps->err, "表达式第 %d 个字符", col);
  return lg_err_set(ps->err, LG_EINVAL, "表达式 \"%.200s\" 第 %d 个字符: %s", ps->orig, col, what);
}

static bool name_start(unsigned char c) { return isalpha(c) || c == '_' || c >= 0x80; }
static bool name_char(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

static int next(parser_t *ps) {
  lg_free(ps->tstr);
  ps->tstr = NULL;
  while (ps->p < ps->n && isspace((unsigned char)ps->src[ps->p]))
    ps->p++;
  ps->tstart = ps->p;
  if (ps->p >= ps->n) {
    ps->tok = T_EOF;
    return 0;
  }
  const char *s = ps->src;
  unsigned char c = (unsigned char)s[ps->p];
  size_t two = ps->p + 1 < ps->n ? (size_t)(unsigned char)s[ps->p + 1] : 0;
  if (isdigit(c)) {
    size_t q = ps->p;
    bool is_int = true;
    while (q < ps->n && isdigit((unsigned char)s[q]))
      q++;
    if (q < ps->n && s[q] == '.') {
      is_int = false;
      q++;
      if (q >= ps->n || !isdigit((unsigned char)s[q])) return fail_at(ps, q, "小数点后缺少数字");
      while (q < ps->n && isdigit((unsigned char)s[q]))
        q++;
    }
    if (q < ps->n && (s[q] == 'e' || s[q] == 'E')) {
      is_int = false;
      q++;
      if (q < ps->n && (s[q] == '+' || s[q] == '-')) q++;
      if (q >= ps->n || !isdigit((unsigned char)s[q])) return fail_at(ps, q, "指数缺少数字");
      while (q < ps->n && isdigit((unsigned char)s[q]))
        q++;
    }
    if (q < ps->n && name_char((unsigned char)s[q]))
      return fail_at(ps, ps->p, "数字后面紧跟了字母");
    char buf[64];
    if (q - ps->p >= sizeof buf) return fail_at(ps, ps->p, "数字过长");
    memcpy(buf, s + ps->p, q - ps->p);
    buf[q - ps->p] = '\0';
    ps->tnum = strtod(buf, NULL);
    if (!isfinite(ps->tnum)) return fail_at(ps, ps->p, "数值 %s 超出范围", buf);
    ps->tint = is_int && fabs(ps->tnum) < 9007199254740992.0; /* 2^53 */
    ps->p = q;
    ps->tok = T_NUM;
    return 0;
  }
  if (c == '"' || c == '\'') {
    lg_buf_t b;
    lg_buf_init(&b);
    size_t q = ps->p + 1;
    for (;;) {
      if (q >= ps->n) {
        lg_buf_fini(&b);
        return fail_at(ps, ps->p, "字符串没有结束引号");
      }
      char ch = s[q];
      if (ch == (char)c) break;
      if (ch == '\\') {
        if (q + 1 >= ps->n) {
          lg_buf_fini(&b);
          return fail_at(ps, ps->p, "字符串没有结束引号");
        }
        char e = s[q + 1];
        char out = e == 'n' ? '\n' : e == 't' ? '\t' : (e == '"' || e == '\'' || e == '\\') ? e : 0;
        if (!out) {
          lg_buf_fini(&b);
          return fail_at(ps, q, "不支持的转义 \\%c", e);
        }
        lg_buf_putc(&b, out);
        q += 2;
        continue;
      }
      lg_buf_putc(&b, ch);
      q++;
    }
    ps->p = q + 1;
    ps->tstr = b.data ? lg_buf_steal(&b) : lg_strdup("");
    ps->tok = T_STR;
    return 0;
  }
  if (name_start(c)) {
    size_t q = ps->p;
    while (q < ps->n && name_char((unsigned char)s[q]))
      q++;
    ps->tstr = lg_strndup(s + ps->p, q - ps->p);
    ps->p = q;
    ps->tok = T_NAME;
    if (!strcmp(ps->tstr, "and"))
      ps->tok = T_AND;
    else if (!strcmp(ps->tstr, "or"))
      ps->tok = T_OR;
    else if (!strcmp(ps->tstr, "not"))
      ps->tok = T_NOT;
    return 0;
  }
  ps->p++;
  switch (c) {
  case '(':
    ps->tok = T_LP;
    return 0;
  case ')':
    ps->tok = T_RP;
    return 0;
  case '[':
    ps->tok = T_LB;
    return 0;
  case ']':
    ps->tok = T_RB;
    return 0;
  case ',':
    ps->tok = T_COMMA;
    return 0;
  case '.':
    ps->tok = T_DOT;
    return 0;
  case '+':
    ps->tok = T_PLUS;
    return 0;
  case '-':
    ps->tok = T_MINUS;
    return 0;
  case '*':
    ps->tok = T_STAR;
    return 0;
  case '/':
    ps->tok = T_SLASH;
    return 0;
  case '=':
    if (two == '=') {
      ps->p++;
      ps->tok = T_EQ;
      return 0;
    }
    return fail_at(ps, ps->tstart, "单个 = 不是比较运算, 相等请写 ==");
  case '!':
    if (two == '=') {
      ps->p++;
      ps->tok = T_NE;
    } else {
      ps->tok = T_NOT;
    }
    return 0;
  case '<':
    if (two == '=') ps->p++;
    ps->tok = two == '=' ? T_LE : T_LT;
    return 0;
  case '>':
    if (two == '=') ps->p++;
    ps->tok = two == '=' ? T_GE : T_GT;
    return 0;
  case '&':
    if (two == '&') {
      ps->p++;
      ps->tok = T_AND;
      return 0;
    }
    break;
  case '|':
    if (two == '|') {
      ps->p++;
      ps->tok = T_OR;
      return 0;
    }
    break;
  default:
    break;
  }
  if (c >= 0x20 && c < 0x7F) return fail_at(ps, ps->tstart, "不认识的字符 '%c'", c);
  return fail_at(ps, ps->tstart, "不认识的字符 (0x%02X)", c);
}

/* ---- Parser ---------------------------------------------------------------- */

static void node_free(enode_t *e) {
  if (!e) return;
  node_free(e->a);
  node_free(e->b);
  json_decref(e->lit);
  for (size_t i = 0; i < e->items.len; i++)
    node_free(e->items.items[i]);
  lg_free(e->items.items);
  for (size_t i = 0; i < e->path.len; i++)
    lg_free(e->path.items[i].name);
  lg_free(e->path.items);
  lg_free(e->path_text);
  lg_free(e);
}

static enode_t *node_new(parser_t *ps, int kind, size_t off) {
  enode_t *e = lg_calloc(1, sizeof *e);
  e->kind = kind;
  e->pos = col_of(ps, off);
  ps->nodes++;
  return e;
}

static int parse_or(parser_t *ps, enode_t **out);

static int enter(parser_t *ps) {
  if (++ps->depth > EXPR_MAX_DEPTH) return fail_at(ps, ps->tstart, "括号或运算嵌套过深");
  if (ps->nodes > EXPR_MAX_NODES) return fail_at(ps, ps->tstart, "表达式过于复杂");
  return 0;
}

static int expect(parser_t *ps, int tok, const char *what) {
  if (ps->tok != tok) {
    if (ps->tok == T_EOF) return fail_at(ps, ps->tstart, "缺少 %s", what);
    return fail_at(ps, ps->tstart, "此处应为 %s", what);
  }
  return next(ps);
}

/* Parses a comma-separated list up to `close`; the opening token is
 * already consumed. */
static int parse_items(parser_t *ps, enode_t *e, int close, const char *close_text) {
  if (ps->tok == close) return next(ps);
  for (;;) {
    if (e->items.len >= EXPR_MAX_ITEMS)
      return fail_at(ps, ps->tstart, "列表超过 %d 项", EXPR_MAX_ITEMS);
    enode_t *item = NULL;
    int rc = parse_or(ps, &item);
    if (rc) {
      node_free(item); /* not yet in the tree: the caller would not free it */
      return rc;
    }
    lg_vec_push(&e->items, item);
    if (ps->tok == T_COMMA) {
      if ((rc = next(ps)) != 0) return rc;
      continue;
    }
    return expect(ps, close, close_text);
  }
}

static int parse_primary(parser_t *ps, enode_t **out) {
  int rc;
  size_t at = ps->tstart;
  switch (ps->tok) {
  case T_NUM: {
    enode_t *e = node_new(ps, E_LIT, at);
    e->lit = ps->tint ? json_integer((json_int_t)ps->tnum) : json_real(ps->tnum);
    *out = e;
    return next(ps);
  }
  case T_STR: {
    enode_t *e = node_new(ps, E_LIT, at);
    e->lit = json_string(ps->tstr);
    *out = e;
    if (!e->lit) return fail_at(ps, at, "字符串不是有效的 UTF-8");
    return next(ps);
  }
  case T_LP:
    if ((rc = next(ps)) != 0) return rc;
    if ((rc = parse_or(ps, out)) != 0) return rc;
    return expect(ps, T_RP, ")");
  case T_LB: {
    enode_t *e = node_new(ps, E_LIST, at);
    *out = e;
    if ((rc = next(ps)) != 0) return rc;
    return parse_items(ps, e, T_RB, "]");
  }
  case T_NAME:
    break;
  case T_EOF:
    return fail_at(ps, at, "缺少表达式");
  default:
    return fail_at(ps, at, "此处应为值、变量或 (");
  }
  /* A name: literal, function call or variable path. */
  char *name = ps->tstr;
  ps->tstr = NULL;
  if (!strcmp(name, "in")) {
    lg_free(name);
    return fail_at(ps, at, "in 是保留字, 不能用作变量名");
  }
  if (!strcmp(name, "true") || !strcmp(name, "false") || !strcmp(name, "null")) {
    enode_t *e = node_new(ps, E_LIT, at);
    e->lit = name[0] == 't' ? json_true() : name[0] == 'f' ? json_false() : json_null();
    lg_free(name);
    *out = e;
    return next(ps);
  }
  if ((rc = next(ps)) != 0) {
    lg_free(name);
    return rc;
  }
  if (ps->tok == T_LP) {
    int fn = !strcmp(name, "len")        ? FN_LEN
             : !strcmp(name, "min")      ? FN_MIN
             : !strcmp(name, "max")      ? FN_MAX
             : !strcmp(name, "coalesce") ? FN_COALESCE
                                         : -1;
    if (fn < 0) {
      rc = fail_at(ps, at, "不允许调用函数 %s (只可用 len、min、max、coalesce)", name);
      lg_free(name);
      return rc;
    }
    lg_free(name);
    enode_t *e = node_new(ps, E_CALL, at);
    e->op = fn;
    *out = e;
    if ((rc = next(ps)) != 0) return rc;
    if ((rc = parse_items(ps, e, T_RP, ")")) != 0) return rc;
    if (fn == FN_LEN && e->items.len != 1) return fail_at(ps, at, "len 需要恰好一个参数");
    if (fn != FN_LEN && e->items.len < 1)
      return fail_at(ps, at, "min、max、coalesce 至少需要一个参数");
    return 0;
  }
  enode_t *e = node_new(ps, E_PATH, at);
  *out = e;
  lg_vec_push(&e->path, ((pseg_t){name, 0}));
  for (;;) {
    if (ps->tok == T_DOT) {
      if ((rc = next(ps)) != 0) return rc;
      if (ps->tok != T_NAME) return fail_at(ps, ps->tstart, ". 后应为成员名");
      lg_vec_push(&e->path, ((pseg_t){ps->tstr, 0}));
      ps->tstr = NULL;
      if ((rc = next(ps)) != 0) return rc;
    } else if (ps->tok == T_LB) {
      if ((rc = next(ps)) != 0) return rc;
      if (ps->tok == T_NUM && ps->tint && ps->tnum >= 0) {
        lg_vec_push(&e->path, ((pseg_t){NULL, (long)ps->tnum}));
      } else if (ps->tok == T_STR) {
        lg_vec_push(&e->path, ((pseg_t){ps->tstr, 0}));
        ps->tstr = NULL;
      } else {
        return fail_at(ps, ps->tstart, "[ ] 中应为非负整数下标或字符串成员名");
      }
      if ((rc = next(ps)) != 0) return rc;
      if ((rc = expect(ps, T_RB, "]")) != 0) return rc;
    } else {
      break;
    }
  }
  e->path_text = lg_strndup(ps->src + at, ps->tstart - at);
  lg_trim(e->path_text);
  return 0;
}

static int parse_unary(parser_t *ps, enode_t **out) {
  int rc;
  if ((rc = enter(ps)) != 0) return rc;
  if (ps->tok == T_MINUS) {
    enode_t *e = node_new(ps, E_NEG, ps->tstart);
    *out = e;
    if ((rc = next(ps)) != 0) return rc;
    rc = parse_unary(ps, &e->a);
  } else {
    rc = parse_primary(ps, out);
  }
  ps->depth--;
  return rc;
}

static int parse_binary_level(parser_t *ps, enode_t **out, int level);

/* Levels: 0 sum (+ -), 1 term (* /). */
static int parse_binary_level(parser_t *ps, enode_t **out, int level) {
  int rc = level == 0 ? parse_binary_level(ps, out, 1) : parse_unary(ps, out);
  if (rc) return rc;
  for (;;) {
    int op;
    if (level == 0 && ps->tok == T_PLUS)
      op = OP_ADD;
    else if (level == 0 && ps->tok == T_MINUS)
      op = OP_SUB;
    else if (level == 1 && ps->tok == T_STAR)
      op = OP_MUL;
    else if (level == 1 && ps->tok == T_SLASH)
      op = OP_DIV;
    else
      return 0;
    enode_t *e = node_new(ps, E_ARITH, ps->tstart);
    e->op = op;
    e->a = *out;
    *out = e;
    if ((rc = next(ps)) != 0) return rc;
    if ((rc = level == 0 ? parse_binary_level(ps, &e->b, 1) : parse_unary(ps, &e->b)) != 0)
      return rc;
  }
}

static int cmp_op(int tok) {
  switch (tok) {
  case T_EQ:
    return OP_EQ;
  case T_NE:
    return OP_NE;
  case T_LT:
    return OP_LT;
  case T_LE:
    return OP_LE;
  case T_GT:
    return OP_GT;
  case T_GE:
    return OP_GE;
  default:
    return -1;
  }
}

static int parse_cmp(parser_t *ps, enode_t **out) {
  int rc = parse_binary_level(ps, out, 0);
  if (rc) return rc;
  int op = cmp_op(ps->tok);
  bool is_in = ps->tok == T_NAME && !strcmp(ps->tstr, "in");
  bool not_in = false;
  if (ps->tok == T_NOT) {
    /* "x not in [...]" */
    size_t save = ps->tstart;
    if ((rc = next(ps)) != 0) return rc;
    if (!(ps->tok == T_NAME && !strcmp(ps->tstr, "in"))) return fail_at(ps, save, "not 后应为 in");
    not_in = true;
    is_in = true;
  }
  if (op < 0 && !is_in) return 0;
  enode_t *e = node_new(ps, is_in ? (not_in ? E_NOTIN : E_IN) : E_CMP, ps->tstart);
  e->op = op;
  e->a = *out;
  *out = e;
  if ((rc = next(ps)) != 0) return rc;
  if ((rc = parse_binary_level(ps, &e->b, 0)) != 0) return rc;
  if (cmp_op(ps->tok) >= 0 || (ps->tok == T_NAME && !strcmp(ps->tstr, "in")))
    return fail_at(ps, ps->tstart, "比较不能连写, 请用 and 连接两个比较");
  return 0;
}

static int parse_not(parser_t *ps, enode_t **out) {
  int rc;
  if ((rc = enter(ps)) != 0) return rc;
  if (ps->tok == T_NOT) {
    enode_t *e = node_new(ps, E_NOT, ps->tstart);
    *out = e;
    if ((rc = next(ps)) == 0) rc = parse_not(ps, &e->a);
  } else {
    rc = parse_cmp(ps, out);
  }
  ps->depth--;
  return rc;
}

static int parse_and(parser_t *ps, enode_t **out) {
  int rc = parse_not(ps, out);
  while (rc == 0 && ps->tok == T_AND) {
    enode_t *e = node_new(ps, E_AND, ps->tstart);
    e->a = *out;
    *out = e;
    if ((rc = next(ps)) == 0) rc = parse_not(ps, &e->b);
  }
  return rc;
}

static int parse_or(parser_t *ps, enode_t **out) {
  int rc;
  if ((rc = enter(ps)) != 0) return rc;
  rc = parse_and(ps, out);
  while (rc == 0 && ps->tok == T_OR) {
    enode_t *e = node_new(ps, E_OR, ps->tstart);
    e->a = *out;
    *out = e;
    if ((rc = next(ps)) == 0) rc = parse_and(ps, &e->b);
  }
  ps->depth--;
  return rc;
}

int fl_expr_parse(const char *text, fl_expr_t **out, lg_err_t *err) {
  *out = NULL;
  if (!text) text = "";
  size_t n = strlen(text);
  if (n > EXPR_MAX_LEN)
    return lg_err_set(err, LG_ELIMIT, "表达式过长 (%zu 字节, 上限 %d)", n, EXPR_MAX_LEN);
  if (!lg_utf8_valid(text, n)) return lg_err_set(err, LG_EINVAL, "表达式不是有效的 UTF-8 文本");
  parser_t ps = {.err = err, .orig = text};
  /* Strip surrounding whitespace and an optional ${ ... } wrapper. */
  size_t a = 0, b = n;
  while (a < b && isspace((unsigned char)text[a]))
    a++;
  while (b > a && isspace((unsigned char)text[b - 1]))
    b--;
  if (b - a >= 3 && (text[a] == '$' || text[a] == '#') && text[a + 1] == '{' &&
      text[b - 1] == '}') {
    a += 2;
    b -= 1;
  }
  ps.src = text + a;
  ps.n = b - a;
  for (size_t i = 0; i < a; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80) ps.col_base++;
  enode_t *root = NULL;
  int rc = next(&ps);
  if (rc == 0) rc = parse_or(&ps, &root);
  if (rc == 0 && ps.tok != T_EOF) rc = fail_at(&ps, ps.tstart, "表达式在此处应当结束");
  lg_free(ps.tstr);
  if (rc) {
    node_free(root);
    return rc;
  }
  fl_expr_t *e = lg_calloc(1, sizeof *e);
  e->text = lg_strdup(text);
  e->root = root;
  *out = e;
  return 0;
}

void fl_expr_free(fl_expr_t *e) {
  if (!e) return;
  node_free(e->root);
  lg_free(e->text);
  lg_free(e);
}

const char *fl_expr_text(const fl_expr_t *e) { return e ? e->text : ""; }

/* ---- Evaluation ------------------------------------------------------------ */

typedef struct eval {
  const fl_expr_t *x;
  const json_t *scope;
  lg_err_t *err;
} eval_t;

static int eval_fail(eval_t *ev, const enode_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int eval_fail(eval_t *ev, const enode_t *at, const char *fmt, ...) {
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  lg_err_where(ev->err, "表达式第 %d 个字符", at->pos);
  return lg_err_set(ev->err, LG_EINVAL, "表达式 \"%.200s\" 第 %d 个字符: %s", ev->x->text, at->pos,
                    what);
}

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_NULL:
    return "空值";
  case JSON_TRUE:
  case JSON_FALSE:
    return "布尔值";
  case JSON_INTEGER:
  case JSON_REAL:
    return "数字";
  case JSON_STRING:
    return "字符串";
  case JSON_ARRAY:
    return "列表";
  default:
    return "对象";
  }
}

/* Equality as people mean it: 1 == 1.0; containers member by member. */
static bool values_equal(const json_t *a, const json_t *b) {
  if (json_is_number(a) && json_is_number(b)) return json_number_value(a) == json_number_value(b);
  if (json_is_array(a) && json_is_array(b)) {
    if (json_array_size(a) != json_array_size(b)) return false;
    for (size_t i = 0; i < json_array_size(a); i++)
      if (!values_equal(json_array_get(a, i), json_array_get(b, i))) return false;
    return true;
  }
  if (json_is_object(a) && json_is_object(b)) {
    if (json_object_size(a) != json_object_size(b)) return false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v) {
      json_t *w = json_object_get(b, k);
      if (!w || !values_equal(v, w)) return false;
    }
    return true;
  }
  return json_equal((json_t *)a, (json_t *)b);
}

static int eval_node(eval_t *ev, const enode_t *e, json_t **out);

static int eval_bool(eval_t *ev, const enode_t *e, const char *op, bool *out) {
  json_t *v = NULL;
  int rc = eval_node(ev, e, &v);
  if (rc) return rc;
  if (json_is_boolean(v) || json_is_null(v)) {
    *out = json_is_true(v);
    json_decref(v);
    return 0;
  }
  rc = eval_fail(ev, e, "%s 的操作数应为布尔值, 得到%s", op, type_name(v));
  json_decref(v);
  return rc;
}

static json_t *number(double d) {
  if (d == floor(d) && fabs(d) < 9007199254740992.0) return json_integer((json_int_t)d);
  return json_real(d);
}

static int eval_path(eval_t *ev, const enode_t *e, json_t **out) {
  const json_t *v = ev->scope ? json_object_get(ev->scope, e->path.items[0].name) : NULL;
  for (size_t i = 1; v && i < e->path.len; i++) {
    const pseg_t *sg = &e->path.items[i];
    if (sg->name)
      v = json_is_object(v) ? json_object_get(v, sg->name) : NULL;
    else
      v = json_is_array(v) ? json_array_get(v, (size_t)sg->index) : NULL;
  }
  *out = v ? json_incref((json_t *)v) : json_null();
  return 0;
}

static int eval_node(eval_t *ev, const enode_t *e, json_t **out) {
  json_t *a = NULL, *b = NULL;
  int rc = 0;
  *out = NULL;
  switch (e->kind) {
  case E_LIT:
    *out = json_incref(e->lit);
    return 0;
  case E_PATH:
    return eval_path(ev, e, out);
  case E_LIST: {
    json_t *arr = json_array();
    for (size_t i = 0; i < e->items.len; i++) {
      json_t *v = NULL;
      if ((rc = eval_node(ev, e->items.items[i], &v)) != 0) {
        json_decref(arr);
        return rc;
      }
      json_array_append_new(arr, v);
    }
    *out = arr;
    return 0;
  }
  case E_NOT: {
    bool v;
    if ((rc = eval_bool(ev, e->a, "not", &v)) != 0) return rc;
    *out = json_boolean(!v);
    return 0;
  }
  case E_AND:
  case E_OR: {
    const char *op = e->kind == E_AND ? "and" : "or";
    bool v;
    if ((rc = eval_bool(ev, e->a, op, &v)) != 0) return rc;
    /* Short-circuit, as people reading `x != null and x.y > 1` expect. */
    if (e->kind == E_AND ? !v : v) {
      *out = json_boolean(v);
      return 0;
    }
    if ((rc = eval_bool(ev, e->b, op, &v)) != 0) return rc;
    *out = json_boolean(v);
    return 0;
  }
  case E_NEG:
    if ((rc = eval_node(ev, e->a, &a)) != 0) return rc;
    if (!json_is_number(a)) {
      rc = eval_fail(ev, e, "负号只能用于数字, 得到%s", type_name(a));
    } else {
      *out = number(-json_number_value(a));
    }
    json_decref(a);
    return rc;
  case E_ARITH: {
    if ((rc = eval_node(ev, e->a, &a)) != 0) return rc;
    if ((rc = eval_node(ev, e->b, &b)) != 0) goto done;
    static const char *const ops[] = {
        [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/"};
    if (!json_is_number(a) || !json_is_number(b)) {
      rc = eval_fail(ev, e, "%s 两边应为数字, 得到%s与%s", ops[e->op], type_name(a), type_name(b));
      goto done;
    }
    double x = json_number_value(a), y = json_number_value(b), r;
    switch (e->op) {
    case OP_ADD:
      r = x + y;
      break;
    case OP_SUB:
      r = x - y;
      break;
    case OP_MUL:
      r = x * y;
      break;
    default:
      if (y == 0) {
        rc = eval_fail(ev, e, "除数为零");
        goto done;
      }
      r = x / y;
      break;
    }
    if (!isfinite(r)) {
      rc = eval_fail(ev, e, "计算结果超出范围");
      goto done;
    }
    *out = number(r);
    goto done;
  }
  case E_CMP: {
    if ((rc = eval_node(ev, e->a, &a)) != 0) return rc;
    if ((rc = eval_node(ev, e->b, &b)) != 0) goto done;
    if (e->op == OP_EQ || e->op == OP_NE) {
      bool eq = values_equal(a, b);
      *out = json_boolean(e->op == OP_EQ ? eq : !eq);
      goto done;
    }
    static const char *const cops[] = {
        [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">="};
    int c;
    if (json_is_number(a) && json_is_number(b)) {
      double x = json_number_value(a), y = json_number_value(b);
      c = x < y ? -1 : x > y ? 1 : 0;
    } else if (json_is_string(a) && json_is_string(b)) {
      c = strcmp(json_string_value(a), json_string_value(b));
    } else {
      const enode_t *culprit = json_is_null(a) ? e->a : e->b;
      if ((json_is_null(a) || json_is_null(b)) && culprit->kind == E_PATH)
        rc = eval_fail(ev, e, "变量 %s 为空或不存在, 不能用 %s 比较", culprit->path_text,
                       cops[e->op]);
      else
        rc = eval_fail(ev, e, "不能用 %s 比较%s与%s", cops[e->op], type_name(a), type_name(b));
      goto done;
    }
    bool r = e->op == OP_LT ? c < 0 : e->op == OP_LE ? c <= 0 : e->op == OP_GT ? c > 0 : c >= 0;
    *out = json_boolean(r);
    goto done;
  }
  case E_IN:
  case E_NOTIN: {
    if ((rc = eval_node(ev, e->a, &a)) != 0) return rc;
    if ((rc = eval_node(ev, e->b, &b)) != 0) goto done;
    bool found = false;
    if (json_is_array(b)) {
      for (size_t i = 0; i < json_array_size(b) && !found; i++)
        found = values_equal(a, json_array_get(b, i));
    } else if (json_is_string(b) && json_is_string(a)) {
      found = strstr(json_string_value(b), json_string_value(a)) != NULL;
    } else if (json_is_object(b) && json_is_string(a)) {
      found = json_object_get(b, json_string_value(a)) != NULL;
    } else if (json_is_null(b)) {
      found = false; /* a missing list contains nothing */
    } else {
      rc = eval_fail(ev, e, "in 的右边应为列表、字符串或对象, 得到%s", type_name(b));
      goto done;
    }
    *out = json_boolean(e->kind == E_IN ? found : !found);
    goto done;
  }
  case E_CALL: {
    if (e->op == FN_LEN) {
      if ((rc = eval_node(ev, e->items.items[0], &a)) != 0) return rc;
      if (json_is_array(a))
        *out = json_integer((json_int_t)json_array_size(a));
      else if (json_is_object(a))
        *out = json_integer((json_int_t)json_object_size(a));
      else if (json_is_string(a)) {
        json_int_t n = 0;
        for (const char *p = json_string_value(a); *p; p++)
          if (((unsigned char)*p & 0xC0) != 0x80) n++;
        *out = json_integer(n);
      } else if (json_is_null(a))
        *out = json_integer(0);
      else
        rc = eval_fail(ev, e, "len 的参数应为列表、对象或字符串, 得到%s", type_name(a));
      goto done;
    }
    if (e->op == FN_COALESCE) {
      /* Arguments are evaluated only until one is not null. */
      for (size_t i = 0; i < e->items.len; i++) {
        json_t *v = NULL;
        if ((rc = eval_node(ev, e->items.items[i], &v)) != 0) return rc;
        if (!json_is_null(v)) {
          *out = v;
          return 0;
        }
        json_decref(v);
      }
      *out = json_null();
      return 0;
    }
    /* min / max over the arguments, a single list argument spread. */
    json_t *args = json_array();
    for (size_t i = 0; i < e->items.len && rc == 0; i++) {
      json_t *v = NULL;
      if ((rc = eval_node(ev, e->items.items[i], &v)) != 0) break;
      if (e->items.len == 1 && json_is_array(v))
        json_array_extend(args, v);
      else
        json_array_append(args, v);
      json_decref(v);
    }
    double best = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size(args); i++) {
      json_t *v = json_array_get(args, i);
      if (!json_is_number(v)) {
        rc = eval_fail(ev, e, "%s 的参数应为数字, 得到%s", e->op == FN_MIN ? "min" : "max",
                       type_name(v));
        break;
      }
      double d = json_number_value(v);
      if (i == 0 || (e->op == FN_MIN ? d < best : d > best)) best = d;
    }
    if (rc == 0) *out = json_array_size(args) ? number(best) : json_null();
    json_decref(args);
    return rc;
  }
  default:
    return eval_fail(ev, e, "内部错误: 未知节点");
  }
done:
  json_decref(a);
  json_decref(b);
  if (rc) {
    json_decref(*out);
    *out = NULL;
  }
  return rc;
}

int fl_expr_eval(const fl_expr_t *x, const json_t *scope, json_t **out, lg_err_t *err) {
  eval_t ev = {x, scope, err};
  return eval_node(&ev, x->root, out);
}

int fl_expr_test(const fl_expr_t *x, const json_t *scope, bool *out, lg_err_t *err) {
  json_t *v = NULL;
  int rc = fl_expr_eval(x, scope, &v, err);
  if (rc) return rc;
  if (json_is_boolean(v) || json_is_null(v)) {
    *out = json_is_true(v);
  } else {
    rc = lg_err_set(err, LG_EINVAL, "条件 \"%.200s\" 的结果应为 true 或 false, 得到%s", x->text,
                    type_name(v));
  }
  json_decref(v);
  return rc;
}

/* ---- Public wrappers ------------------------------------------------------- */

int lg_flow_expr_check(const char *text, lg_err_t *err) {
  fl_expr_t *x = NULL;
  int rc = fl_expr_parse(text, &x, err);
  fl_expr_free(x);
  return rc;
}

int lg_flow_expr_eval(const char *text, const json_t *vars, json_t **result, lg_err_t *err) {
  fl_expr_t *x = NULL;
  *result = NULL;
  int rc = fl_expr_parse(text, &x, err);
  if (rc == 0) rc = fl_expr_eval(x, vars, result, err);
  fl_expr_free(x);
  return rc;
}
