"""The vacancy exchange (issue 13): vacancies that can be trusted, search, requests to several offers."""
