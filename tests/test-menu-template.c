#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "atrium-error.h"
#include "atrium-menu-template-private.h"

/* The menu template parser (atrium-menu-template.c), without a display:
 * what a good template becomes, and every way a template is refused. */

static gboolean
accel_check (const char *accelerator)
{
  guint key = 0;
  GdkModifierType mods = 0;

  return gtk_accelerator_parse (accelerator, &key, &mods) && key != 0;
}

static AtriumMenuTemplate *
parse (const char  *json,
       GError     **error)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return _atrium_menu_template_parse (node, accel_check, error);
}

static void
test_valid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumMenuTemplate) t = parse (
    "[{\"label\": \"_File\", \"submenu\": ["
    "   {\"id\": \"open\", \"label\": \"Open\", \"accelerator\": \"<Control>o\"},"
    "   {\"type\": \"separator\"},"
    "   {\"role\": \"quit\"}]},"
    " {\"label\": \"View\", \"type\": \"submenu\", \"submenu\": ["
    "   {\"id\": \"dark\", \"label\": \"Dark\", \"type\": \"checkbox\", \"checked\": true},"
    "   {\"id\": \"s\", \"label\": \"Small\", \"type\": \"radio\", \"group\": \"size\"},"
    "   {\"id\": \"l\", \"label\": \"Large\", \"type\": \"radio\", \"group\": \"size\"},"
    "   {\"id\": \"off\", \"label\": \"Off\", \"enabled\": false, \"unknown\": 1}]}]", &error);
  AtriumMenuItem *item;

  g_assert_no_error (error);
  g_assert_nonnull (t);
  g_assert_cmpuint (t->items->len, ==, 2);
  g_assert_cmpuint (t->flat->len, ==, 9);
  item = _atrium_menu_template_lookup (t, "open");
  g_assert_nonnull (item);
  g_assert_cmpstr (item->accelerator, ==, "<Control>o");
  g_assert_cmpint (item->type, ==, ATRIUM_MENU_ITEM_NORMAL);
  item = g_ptr_array_index (t->flat, 3);
  g_assert_cmpint (item->role, ==, ATRIUM_MENU_ROLE_QUIT);
  g_assert_cmpstr (item->label, ==, "_Quit");
  g_assert_null (item->id);
  g_assert_true (_atrium_menu_template_lookup (t, "dark")->checked);
  /* A radio group with none checked has its first checked. */
  g_assert_true (_atrium_menu_template_lookup (t, "s")->checked);
  g_assert_false (_atrium_menu_template_lookup (t, "l")->checked);
  g_assert_true (_atrium_menu_template_lookup (t, "l")->radio_first
                 == _atrium_menu_template_lookup (t, "s"));
  g_assert_false (_atrium_menu_template_lookup (t, "off")->enabled);
  g_assert_cmpint (((AtriumMenuItem *) g_ptr_array_index (t->items, 1))->type, ==,
                   ATRIUM_MENU_ITEM_SUBMENU);
  g_assert_null (_atrium_menu_template_lookup (t, "nothing"));
}

static void
test_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumMenuTemplate) t = parse ("[]", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (t->flat->len, ==, 0);
}

/* Each bad template: bad-args, and the message names the item. */
static void
test_invalid (void)
{
  static const struct
  {
    const char *json;
    const char *message;   /* a part of it */
  } cases[] = {
    { "{}", "must be an array" },
    { "null", "must be an array" },
    { "[1]", "menu item 1: must be an object" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"type\": \"button\"}]", "(id 'a'): unknown type 'button'" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"role\": \"format\"}]", "unknown role 'format'" },
    { "[{\"id\": \"a\", \"label\": \"A\"}, {\"id\": \"a\", \"label\": \"B\"}]",
      "menu item 2 (id 'a'): another item has this id" },
    { "[{\"label\": \"M\", \"submenu\": [{\"id\": \"a\", \"label\": \"A\"},"
      " {\"id\": \"a\", \"label\": \"B\"}]}]", "menu item 1.2 (id 'a'): another item" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"accelerator\": \"<Contrl>s\"}]",
      "(id 'a'): malformed accelerator" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"accelerator\": \"\"}]", "malformed accelerator" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"accelerator\": 5}]", "accelerator must be a string" },
    { "[{\"label\": \"A\"}]", "menu item 1: needs an id" },
    { "[{\"id\": \"a\"}]", "needs a label" },
    { "[{\"id\": \"\", \"label\": \"A\"}]", "id must not be empty" },
    { "[{\"id\": 7, \"label\": \"A\"}]", "id must be a string" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"enabled\": \"yes\"}]", "enabled must be true or false" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"checked\": true}]", "only checkbox and radio" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"type\": \"radio\"}]", "needs a group" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"group\": \"g\"}]", "only radio items have a group" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"type\": \"radio\", \"group\": \"g\", \"checked\": true},"
      " {\"id\": \"b\", \"label\": \"B\", \"type\": \"radio\", \"group\": \"g\", \"checked\": true}]",
      "menu item 2 (id 'b'): another item of group 'g' is checked" },
    { "[{\"type\": \"separator\", \"label\": \"x\"}]", "a separator has no" },
    { "[{\"label\": \"M\", \"type\": \"submenu\"}]", "needs its submenu" },
    { "[{\"label\": \"M\", \"submenu\": {}}]", "menu item 1: submenu must be an array" },
    { "[{\"id\": \"a\", \"label\": \"A\", \"type\": \"normal\", \"submenu\": []}]",
      "only a submenu has a submenu" },
    { "[{\"label\": \"M\", \"submenu\": [], \"accelerator\": \"<Control>m\"}]",
      "a submenu has no accelerator" },
    { "[{\"id\": \"a\", \"type\": \"checkbox\", \"role\": \"copy\"}]", "a role belongs" },
    { "[{\"id\": \"a\x01\", \"label\": \"A\", \"type\": \"x\"}]", "(id 'a?')" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumMenuTemplate) t = parse (cases[i].json, &error);

      g_test_message ("%s", cases[i].json);
      g_assert_null (t);
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("«%s» does not say «%s»", error->message, cases[i].message);
    }
}

static void
test_too_many (void)
{
  g_autoptr(GString) json = g_string_new ("[");
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumMenuTemplate) t = NULL;

  for (int i = 0; i < 10000; i++)
    g_string_append_printf (json, "%s{\"id\": \"i%d\", \"label\": \"Item\"}", i > 0 ? "," : "", i);
  g_string_append (json, "]");
  t = parse (json->str, &error);
  g_assert_null (t);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_assert_nonnull (strstr (error->message, "menu item 1001 (id 'i1000')"));
  g_assert_nonnull (strstr (error->message, "at most 1000 items"));
}

static char *
nested (int depth)
{
  GString *json = g_string_new ("");

  for (int i = 0; i < depth - 1; i++)
    g_string_append (json, "[{\"label\": \"M\", \"submenu\": ");
  g_string_append (json, "[{\"id\": \"deep\", \"label\": \"Deep\"}]");
  for (int i = 0; i < depth - 1; i++)
    g_string_append (json, "}]");
  return g_string_free (json, FALSE);
}

static void
test_too_deep (void)
{
  g_autofree char *ok = nested (ATRIUM_MENU_DEPTH_MAX);
  g_autofree char *bad = nested (ATRIUM_MENU_DEPTH_MAX + 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumMenuTemplate) good = parse (ok, &error);
  g_autoptr(AtriumMenuTemplate) t = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (_atrium_menu_template_lookup (good, "deep"));
  t = parse (bad, &error);
  g_assert_null (t);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_assert_nonnull (strstr (error->message, "nest at most 16 deep"));
  g_assert_nonnull (strstr (error->message, "menu item 1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1"));
}

static void
test_long_strings (void)
{
  g_autofree char *long_id = g_strnfill (ATRIUM_MENU_ID_MAX + 1, 'x');
  g_autofree char *json = g_strdup_printf ("[{\"id\": \"%s\", \"label\": \"A\"}]", long_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumMenuTemplate) t = parse (json, &error);

  g_assert_null (t);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_assert_nonnull (strstr (error->message, "id is longer than 256 bytes"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/menu-template/valid", test_valid);
  g_test_add_func ("/atrium/menu-template/empty", test_empty);
  g_test_add_func ("/atrium/menu-template/invalid", test_invalid);
  g_test_add_func ("/atrium/menu-template/too-many", test_too_many);
  g_test_add_func ("/atrium/menu-template/too-deep", test_too_deep);
  g_test_add_func ("/atrium/menu-template/long-strings", test_long_strings);

  return g_test_run ();
}
