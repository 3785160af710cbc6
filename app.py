"""``streamlit run app.py`` from the checkout; the app is :func:`dashboard.app.main`."""

from dashboard.app import main

main()
