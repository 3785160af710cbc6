"""The minimal Streamlit app the load benchmark compares against: three pages of text and a
metric in ``st.navigation``, no data, nothing cached."""

import streamlit as st


def _page(name: str) -> None:
    st.title(name)
    st.sidebar.selectbox("Language", ["da", "en"], key="lang")
    st.metric("Incidents", 1234, border=True)
    st.write("A page without data, for the load benchmark's ratio.")


def first() -> None:
    _page("First")


def second() -> None:
    _page("Second")


def third() -> None:
    _page("Third")


st.set_page_config(page_title="Minimal", layout="wide")
st.navigation(
    [
        st.Page(first, title="First", url_path="first", default=True),
        st.Page(second, title="Second", url_path="second"),
        st.Page(third, title="Third", url_path="third"),
    ]
).run()
