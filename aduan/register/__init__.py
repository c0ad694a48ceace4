"""Edge: the register staff edit (an .xlsx file or a Google Sheet) behind one interface."""
