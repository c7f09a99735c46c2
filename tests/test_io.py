"""Loading and validating input tables: every bad-input case gets a clear message."""
from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from cxkit.errors import DataError
from cxkit.io import TABLES, load, load_table, validate_folder
from cxkit.io.tables import Problem
from cxkit.sample.generator import DEFAULT_ACCOUNTS


def _set(column, row, value):
    def change(df):
        df.loc[row, column] = value
        return df
    return change


def _contact_of_another_account(df):
    """The first response names a contact who works for another account."""
    other = df.loc[df["account_id"] != df.loc[0, "account_id"], "contact_id"].iloc[0]
    df.loc[0, "contact_id"] = other
    return df


# (id, table, change, fragments the one-line message must contain)
# Row numbers count the header as row 1: data index 3 is "row 5 of the file".
BAD = [
    ("score above scale", "responses", _set("ltr", 3, "11"),
     ["responses.csv", "column 'ltr'", "outside the 0–10 scale", "row 5 of the file: 11"]),
    ("negative driver", "responses", _set("pm_expertise", 0, "-1"),
     ["column 'pm_expertise'", "outside the 0–10 scale", "row 2 of the file: -1"]),
    ("non-numeric rating", "responses", _set("product_quality", 4, "good"),
     ["column 'product_quality'", "is not a number", "row 6 of the file: 'good'"]),
    ("renamed column", "responses", lambda d: d.rename(columns={"ltr": "LTR_score"}),
     ["responses.csv", "missing column 'ltr'", "LTR_score"]),
    ("missing column", "accounts", lambda d: d.drop(columns=["segment"]),
     ["accounts.csv", "missing column 'segment'"]),
    ("duplicate id", "responses", _set("response_id", 2, "R000001"),
     ["column 'response_id'", "duplicate", "row 2 of the file: 'R000001'", "row 4: 'R000001'"]),
    ("duplicate key", "revenue", lambda d: pd.concat([d, d.iloc[[1]]], ignore_index=True),
     ["revenue.csv", "(account_id, period) appears more than once", "row 3"]),
    ("date does not parse", "responses", _set("response_date", 1, "2024-13-45"),
     ["column 'response_date'", "is not a date", "row 3 of the file: '2024-13-45'"]),
    ("unknown account", "responses", _set("account_id", 0, "A99999"),
     ["responses.csv", "column 'account_id'", "unknown account", "row 2 of the file: 'A99999'"]),
    ("contact of another account", "responses", _contact_of_another_account,
     ["responses.csv", "column 'account_id'", "does not match the contact's account",
      "row 2 of the file", " works for "]),
    ("unknown role", "contacts", _set("role", 0, "chief"),
     ["contacts.csv", "column 'role'", "not one of decision maker, influencer, user",
      "row 2 of the file: 'chief'"]),
    ("empty table", "contacts", lambda d: d.iloc[0:0], ["contacts.csv", "has no rows"]),
    ("missing table", "responses", lambda d: None, ["table 'responses' is missing"]),
    ("bad period", "revenue", _set("period", 0, "Q1-2024"),
     ["column 'period'", "not a period like 2024Q1", "row 2 of the file: 'Q1-2024'"]),
    ("bad yes/no", "responses", _set("prompted_advocacy", 0, "maybe"),
     ["column 'prompted_advocacy'", "not a yes/no value", "row 2 of the file: 'maybe'"]),
    ("blank id", "contacts", _set("contact_id", 0, " "),
     ["column 'contact_id'", "is empty", "row 2 of the file: empty"]),
    ("fractional employees", "accounts", _set("employees", 0, "12.5"),
     ["column 'employees'", "is not a whole number", "row 2 of the file: 12.5"]),
    ("lost without date", "accounts", lambda d: d.assign(status="lost", lost_date=""),
     ["accounts.csv", "status 'lost' has no lost_date"]),
    ("follow-up of an unknown response", "followups", _set("response_id", 0, "R999999"),
     ["followups.csv", "column 'response_id'", "unknown response", "row 2 of the file: 'R999999'"]),
    ("follow-up without a date", "followups", _set("followup_date", 1, ""),
     ["followups.csv", "column 'followup_date'", "row 3 of the file"]),
    ("raw export: more active than licensed", "product_usage", _set("active_users", 0, "99999"),
     ["product_usage.csv.gz", "active_users exceeds licensed_users", "row 2"]),
    ("raw export: csat off scale", "support_tickets", _set("csat", 0, "7"),
     ["support_tickets.csv.gz", "column 'csat'", "above the maximum 5", "row 2 of the file: 7"]),
    ("raw export: timestamp", "support_tickets", _set("opened_at", 1, "2024-02-30 10:00"),
     ["column 'opened_at'", "is not a date", "row 3 of the file: '2024-02-30 10:00'"]),
]


@pytest.mark.parametrize("case,table,change,fragments", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_clear_error(data_copy, case, table, change, fragments):
    folder, corrupt = data_copy
    corrupt(table, change)
    with pytest.raises(DataError) as err:
        load(folder, optional=list(TABLES))
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    # one line per problem, and only the corrupted table is blamed
    for line in message.splitlines():
        assert table in line or "missing" in line


def test_offending_rows_are_capped_at_five(data_copy):
    folder, corrupt = data_copy
    corrupt("responses", lambda d: d.assign(ltr="12"))
    with pytest.raises(DataError) as err:
        load_table(folder, "responses")
    message = str(err.value)
    n = len(pd.read_csv(folder / "responses.csv"))
    assert f"in {n} rows" in message
    assert message.count("row ") == 5  # five shown
    assert f"and {n - 5} more" in message


def test_several_problems_each_on_its_own_line(data_copy):
    folder, corrupt = data_copy
    corrupt("responses", _set("ltr", 0, "11"))
    corrupt("accounts", _set("segment", 0, "platinum"))
    with pytest.raises(DataError) as err:
        load(folder)
    lines = str(err.value).splitlines()
    assert len(lines) == 2
    assert any("accounts.csv" in x and "'platinum'" in x for x in lines)
    assert any("responses.csv" in x and "row 2 of the file: 11" in x for x in lines)


def test_input_files_are_never_modified(data_copy):
    folder, corrupt = data_copy
    corrupt("responses", _set("ltr", 0, "11"))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    with pytest.raises(DataError):
        validate_folder(folder)
    load(folder.parent / "data", tables=["accounts"])
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert before == after


def test_column_mapping_lets_a_users_export_load(data_copy):
    folder, corrupt = data_copy
    corrupt("responses", lambda d: d.rename(columns={"ltr": "Q1_LTR"}))
    data = load(folder, columns={"responses": {"Q1_LTR": "ltr"}})
    assert "ltr" in data["responses"] and "Q1_LTR" not in data["responses"]
    with pytest.raises(DataError, match="mapping names 'Q9'"):
        load(folder, columns={"responses": {"Q9": "ltr"}})
    with pytest.raises(DataError, match="unknown table"):
        load(folder, columns={"answers": {"Q1_LTR": "ltr"}})


def test_categories_are_normalised(data_copy):
    folder, corrupt = data_copy
    corrupt("contacts", lambda d: d.assign(role=d["role"].str.title().str.replace(" ", "_")))
    contacts = load_table(folder, "contacts")
    assert set(contacts["role"]) <= {"decision maker", "influencer", "user"}


def test_excel_and_parquet_load_like_csv(data_copy):
    folder, _ = data_copy
    csv = load_table(folder, "accounts")
    frame = pd.read_csv(folder / "accounts.csv", dtype=str)
    (folder / "accounts.csv").unlink()
    frame.to_excel(folder / "accounts.xlsx", index=False)
    pd.testing.assert_frame_equal(load_table(folder, "accounts"), csv)
    (folder / "accounts.xlsx").unlink()
    frame.to_parquet(folder / "accounts.parquet", index=False)
    pd.testing.assert_frame_equal(load_table(folder, "accounts"), csv)
    frame.to_csv(folder / "accounts.csv", index=False)
    with pytest.raises(DataError, match="ambiguous"):
        load_table(folder, "accounts")


def test_types_after_loading(sample_dir):
    r = load_table(sample_dir, "responses")
    assert pd.api.types.is_datetime64_any_dtype(r["response_date"])
    assert pd.api.types.is_float_dtype(r["ltr"])
    assert str(r["prompted_advocacy"].dtype) == "boolean"
    assert pd.api.types.is_string_dtype(r["account_id"])


def test_missing_folder_and_unknown_table(tmp_path):
    with pytest.raises(DataError, match="data folder not found"):
        load(tmp_path / "nope")
    with pytest.raises(DataError, match="unknown table 'answers'"):
        load_table(tmp_path, "answers")


def test_committed_sample_is_valid(sample_dir):
    counts = validate_folder(sample_dir)
    assert set(counts) == set(TABLES)
    assert counts["accounts"] == DEFAULT_ACCOUNTS


def test_problem_formatting():
    p = Problem("x.csv", "is odd", "c", [(2, "a"), (3, 4.5), (4, None)], 3)
    assert str(p) == "x.csv, column 'c': is odd in 3 rows (row 2 of the file: 'a', row 3: 4.5, row 4: empty)"
    assert str(Problem("x.csv", "has no rows")) == "x.csv: has no rows"


def test_excel_style_csv_exports_load(data_copy):
    """A byte-order mark (Excel's CSV UTF-8) and Windows-1252 text both load."""
    folder, _ = data_copy
    path = folder / "accounts.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "name"] = "Café Müller GmbH"
    path.write_bytes(frame.to_csv(index=False).encode("utf-8-sig"))
    first = load_table(folder, "accounts")
    assert first.columns[0] == "account_id" and first.loc[0, "name"] == "Café Müller GmbH"
    path.write_bytes(frame.to_csv(index=False).encode("cp1252"))
    assert load_table(folder, "accounts").loc[0, "name"] == "Café Müller GmbH"


def test_semicolon_separated_file_gets_a_hint(data_copy):
    folder, _ = data_copy
    path = folder / "contacts.csv"
    path.write_text(path.read_text().replace(",", ";"))
    with pytest.raises(DataError, match="separate values with ';'"):
        load_table(folder, "contacts")


def test_mapping_onto_an_existing_column_is_an_error(data_copy):
    folder, corrupt = data_copy
    corrupt("responses", lambda d: d.assign(Q1_LTR=d["ltr"]))
    with pytest.raises(DataError, match="'ltr' names more than one column"):
        load_table(folder, "responses", columns={"Q1_LTR": "ltr"})


def test_a_follow_up_names_a_response_of_its_own_account(data_copy):
    folder, corrupt = data_copy
    responses = pd.read_csv(folder / "responses.csv", dtype=str)
    first = responses.iloc[0]
    other = responses.loc[responses["account_id"] != first["account_id"], "account_id"].iloc[0]

    def mismatch(d):
        d.loc[0, ["response_id", "account_id"]] = [first["response_id"], other]
        return d
    corrupt("followups", mismatch)
    with pytest.raises(DataError) as err:
        load(folder, optional=["followups"])
    message = str(err.value)
    assert "followups.csv" in message and "does not match the response's account" in message
    assert f"{first['response_id']} is from {first['account_id']}" in message
