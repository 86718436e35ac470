"""The read-only admin list of retention rules."""

URL = "/admin/retention/retentionrule/"


def test_admin_lists_rules(admin_role_client, rules):
    response = admin_role_client.get(URL)

    assert response.status_code == 200
    assert "Gold" in response.content.decode()


def test_admin_rule_not_editable(admin_role_client, rules):
    rule = rules["high"]

    response = admin_role_client.post(f"{URL}{rule.pk}/change/", {"severity": "ok"})

    rule.refresh_from_db()
    assert response.status_code in (200, 403)
    assert rule.severity == "high"


def test_admin_rule_add_forbidden(admin_role_client, rules):
    assert admin_role_client.get(f"{URL}add/").status_code == 403


def test_admin_rule_delete_forbidden(admin_role_client, rules):
    response = admin_role_client.get(f"{URL}{rules['high'].pk}/delete/")

    assert response.status_code == 403


def test_admin_rules_hidden_from_viewer(viewer_client, rules):
    assert viewer_client.get(URL).status_code == 302
