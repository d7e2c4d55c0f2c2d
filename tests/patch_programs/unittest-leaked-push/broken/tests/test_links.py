import unittest

from links import create_app, share_link


class ShareLinkTest(unittest.TestCase):
    def setUp(self):
        self.app = create_app()
        self.ctx = self.app.app_context()
        self.ctx.push()

    def tearDown(self):
        self.ctx.pop()

    def test_link_is_tagged(self):
        link = share_link("tea-at-five")
        self.assertEqual(link, "http://localhost/articles/tea-at-five?utm_source=newsletter")

    def test_link_on_another_host(self):
        news = create_app(server_name="news.example.com")
        news.app_context().push()
        link = share_link("tea-at-five")
        self.assertTrue(link.startswith("http://news.example.com/"), link)
