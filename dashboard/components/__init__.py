"""Streamlit components shared by the pages: context (connection, caching), layout, filters."""
