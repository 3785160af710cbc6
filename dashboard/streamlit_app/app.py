"""The script ``python -m dashboard serve`` hands to Streamlit; its settings are in
``.streamlit/config.toml`` next to it (Streamlit reads a script's own folder)."""

from dashboard.app import main

main()
