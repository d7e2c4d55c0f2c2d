"""IPython's and Jupyter's traceback shapes. The pastes here are written for these tests, after
what IPython 7 and 8 print."""

from __future__ import annotations


def test_ipython8_header_cell_and_file_frames_with_arrow_lines(read):
    r = read(
        """
        ---------------------------------------------------------------------------
        RuntimeError                              Traceback (most recent call last)
        Cell In[3], line 1
        ----> 1 db.create_all()

        File ~/venv/lib/python3.11/site-packages/werkzeug/local.py:519, in LocalProxy.__init__.<locals>._get_current_object()
            517     return get_name(obj)
        --> 519 raise RuntimeError(unbound_message) from None

        RuntimeError: Working outside of application context.
        """
    )
    tb = r.one
    assert r.shape_of(2) == "ipython-header"
    assert r.shape_of(3) == "ipython-frame"
    assert r.shape_of(4) == "ipython-source"
    assert tb.shape == "ipython"
    assert tb.frames[0].path == "Cell In[3]" and tb.frames[0].code == "db.create_all()"
    assert tb.frames[1].function == "_get_current_object"


def test_ipython7_frames_after_its_header(read):
    r = read(
        """
        RuntimeError                              Traceback (most recent call last)
        <ipython-input-2-8a1f> in <module>
        ----> 1 print(current_app.name)

        ~/venv/lib/python3.8/site-packages/werkzeug/local.py in __getattr__(self, name)
        --> 347         return getattr(self._get_current_object(), name)

        RuntimeError: Working outside of application context.
        """
    )
    tb = r.one
    assert r.shape_of(2) == "ipython-frame"
    assert [f.function for f in tb.frames] == ["<module>", "__getattr__"]
