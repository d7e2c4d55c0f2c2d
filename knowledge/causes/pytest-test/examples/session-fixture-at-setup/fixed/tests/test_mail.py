from mailer import welcome_message


def test_welcome_message(app, sender):
    message = welcome_message(sender, "ada@example.com")
    assert message["from"] == "tests@example.com"
