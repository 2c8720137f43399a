"""A small full-text search engine."""

from minisearch.analysis import Analyzer, FieldSettings
from minisearch.corpus import Document, load_albums, load_documents
from minisearch.index import InvertedIndex
from minisearch.query import QuerySyntaxError, parse_query
from minisearch.search import Hit, Searcher

__all__ = [
    "Analyzer",
    "Document",
    "FieldSettings",
    "Hit",
    "InvertedIndex",
    "QuerySyntaxError",
    "Searcher",
    "load_albums",
    "load_documents",
    "parse_query",
]
