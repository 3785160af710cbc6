"""Import: upload exports, preview what was found, fix mappings, see what was stored or
rejected (and download the rejected rows), and undo an import from the history."""

import streamlit as st

from dashboard.access import Right
from dashboard.components import auth, context, layout
from dashboard.components.import_history import history
from dashboard.components.upload_flow import forget_other_uploads, import_one
from dashboard.i18n import t

cur = context.cursor()
lang = layout.page_setup(cur, "nav.import")
auth.require(Right.IMPORT, lang)
st.write(t("import.intro", lang))
st.caption(t("app.privacy_note", lang))
uploads = st.file_uploader(
    t("import.upload_label", lang),
    type=["xlsx"],
    accept_multiple_files=True,
    help=t("import.upload_help", lang),
    key="uploads",
)
shown = [import_one(cur, upload.name, upload.getvalue(), lang) for upload in uploads or []]
forget_other_uploads(st.session_state, shown)
history(cur, lang)
