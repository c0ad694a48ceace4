"""The xlsx register: a local .xlsx file staff edit in Excel or LibreOffice.

``register`` reads (calamine) and writes (an XML patch, openpyxl as fallback);
``patch`` is the byte-preserving patch writer; ``setup`` is ``aduan init``'s
openpyxl code and the cell-text rules both share."""

from aduan.register.xlsx.register import XlsxRegister, cell_text

__all__ = ["XlsxRegister", "cell_text"]
