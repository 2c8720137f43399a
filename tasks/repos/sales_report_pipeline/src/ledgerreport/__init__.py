"""CSV till exports -> management reports."""

from ledgerreport.dialects import EU, US, FileFormat, sniff
from ledgerreport.pipeline import ReportSpec, build_report, load_records, load_samples
from ledgerreport.schema import SALES_SCHEMA, Column, Schema

__all__ = ["EU", "US", "Column", "FileFormat", "ReportSpec", "SALES_SCHEMA", "Schema", "build_report", "load_records", "load_samples", "sniff"]
